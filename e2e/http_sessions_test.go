package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestAbandonedSessionForgetsLogin: a legacy-era HTTP client logs a
// human in, then goes away without the DELETE that ends its session (a
// crashed host, a closed laptop). The login (a live JWT and the password,
// kept to mask it) and the session must not live as long as the server:
// after the idle limit the session is ended and its state dropped, as if
// it had said goodbye. Without the limit every abandoned session kept its
// login and its memory for good.
func TestAbandonedSessionForgetsLogin(t *testing.T) {
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
	req := mcp.CallToolRequest{}
	req.Params.Name = "list_linked_agents"
	res, err := c.CallTool(context.Background(), req)
	switch {
	case err != nil && strings.Contains(err.Error(), "404"): // the session ended: the client must start a new one
	case err == nil && res.IsError && strings.Contains(text(res), "login"):
	default:
		t.Fatalf("the abandoned session's login still works: %v %v", err, res)
	}
}

// initSession posts a legacy-era initialize and returns the session id the
// server gave (or "").
func initSession(t *testing.T, url string) string {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"flood","version":"1"}}}`
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("initialize: %s", resp.Status)
	}
	return resp.Header.Get("Mcp-Session-Id")
}

// TestSessionFloodIsBounded: a client looping on initialize (each
// session cost ~13 KB, held for good: 20,000 grew the server by 255 MB)
// meets a bound. Beyond it a new client still works, without a session
// (its human-only tools refuse, saying why); a session that ends makes
// room. An id the server never issued is not a session.
func TestSessionFloodIsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := startHTTP(t, e)
	var ids []string
	for i := 0; ; i++ {
		id := initSession(t, url)
		if id == "" {
			break
		}
		if i > 1100 {
			t.Fatalf("%d sessions and counting", i)
		}
		ids = append(ids, id)
	}
	late := httpAt(t, url, mcp.ProtocolVersion20251125)
	mustOK(t, late, "whoami", nil)
	mustFail(t, late, "login", map[string]any{"email": "ada@example.com", "password": "correct horse battery"}, "cannot tell")

	req, _ := http.NewRequest(http.MethodDelete, url, nil)
	req.Header.Set("Mcp-Session-Id", ids[0])
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("DELETE: %v %v", err, resp)
	}
	if initSession(t, url) == "" {
		t.Fatal("an ended session made no room")
	}

	// A well-formed id this server never issued.
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`
	req, _ = http.NewRequest(http.MethodPost, url, strings.NewReader(call))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	req.Header.Set("Mcp-Session-Id", "mcp-session-0123456789abcdef0123456789abcdef")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a made-up session id: %s", resp.Status)
	}
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

// openStream opens a legacy-era SSE stream (GET /mcp) on its own connection
// and returns the connection and the status line.
func openStream(t *testing.T, hostport string) (net.Conn, string) {
	t.Helper()
	c, err := net.Dial("tcp", hostport)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /mcp HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n\r\n", hostport)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return c, strings.TrimSpace(line)
}

// TestStreamsAreBounded: SSE streams held open cost the server
// ~40 KB each with no bound (3,000 grew it by 120 MB, on to the file
// descriptor limit). Past a bound a new one is refused with 503 and
// Retry-After, and a stream that closes makes room.
func TestStreamsAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	raw := startHTTP(t, e)
	pu, _ := neturl.Parse(raw)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	refused := ""
	for i := 0; i < 400 && refused == ""; i++ {
		c, status := openStream(t, pu.Host)
		conns = append(conns, c)
		if !strings.Contains(status, " 200 ") {
			refused = status
		}
	}
	if !strings.Contains(refused, " 503 ") {
		t.Fatalf("400 streams open, none refused (last status %q)", refused)
	}
	conns[0].Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		c, status := openStream(t, pu.Host)
		conns = append(conns, c)
		if strings.Contains(status, " 200 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a closed stream made no room: %q", status)
		}
	}
}
