package e2e

import (
	"bufio"
	"os/exec"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestRedteam2AbandonedSessionForgetsLogin: a legacy-era HTTP client logs a
// human in, then goes away without the DELETE that ends its session (a
// crashed host, a closed laptop). The login (a live JWT and the password,
// kept to mask it) and the session must not live as long as the server:
// after the idle limit the session is ended and its state dropped, as if
// it had said goodbye. Without the limit every abandoned session kept its
// login and its memory for good.
func TestRedteam2AbandonedSessionForgetsLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := startHTTPWith(t, e, []string{"MYAPI_HTTP_SESSION_IDLE=2s"})
	c := httpAt(t, url, mcp.ProtocolVersion20251125)
	base := mustOK(t, c, "whoami", nil)["base_url"].(string)
	mustOK(t, c, "register_account", map[string]any{"email": "gone@example.com", "password": "correct horse battery"})
	verifyEmailAt(t, base, "gone@example.com")
	mustOK(t, c, "login", map[string]any{"email": "gone@example.com", "password": "correct horse battery"})
	mustOK(t, c, "list_linked_agents", nil)

	// Silence past the limit (the sweeper runs every second at this limit).
	time.Sleep(4 * time.Second)
	mustFail(t, c, "list_linked_agents", nil, "login")
}

// startHTTPWith is startHTTP with extra environment.
func startHTTPWith(t *testing.T, e env, extraEnv []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append(append([]string{"http", "--addr", "127.0.0.1:0"}, e.sandboxArgs()...), args...)...)
	cmd.Env = append(append(cmd.Environ(), e.vars()...), extraEnv...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := httpURL.FindString(sc.Text()); m != "" {
				found <- m
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("the http server did not announce its URL")
		return ""
	}
}
