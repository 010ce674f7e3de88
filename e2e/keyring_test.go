package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// timed runs a tool call and fails if the keyring made it slow: every
// keyring call is bounded by 3 s, and a dead keyring is given up after one.
func timed(t *testing.T, s *session, name string, args map[string]any) (*mcp.CallToolResult, map[string]any) {
	t.Helper()
	start := time.Now()
	res, sc := s.call(name, args, "")
	if took := time.Since(start); took > 4*time.Second {
		t.Fatalf("%s took %v with a broken keyring", name, took)
	}
	return res, sc
}

// keyringFaults runs the same checks against a broken keyring, reached
// through wrapper (nil for none) with extraEnv.
func keyringFaults(t *testing.T, wrapper, extraEnv []string) {
	e := newEnv(t)

	// keyring only: nothing can be stored, so whoami says why and what to
	// do, onboarding hands the PIN back once, and this session still works.
	s := startMCPCmd(t, e, mcp.ProtocolVersion20251125, wrapper, extraEnv, "--credential-store", "keyring")
	_, who := timed(t, s, "whoami", nil)
	if msg, _ := who["store_error"].(string); !strings.Contains(msg, "--credential-store file") {
		t.Fatalf("whoami does not say what to do: %v", who)
	}
	res, _ := timed(t, s, "create_agent", nil)
	if !res.IsError || !strings.Contains(text(res), "force=true") {
		t.Fatalf("create_agent over an unreadable store must not guess: %s", text(res))
	}
	res, sc := timed(t, s, "create_agent", map[string]any{"force": true})
	pin, _ := sc["unsaved_pin"].(string)
	if res.IsError || pin == "" || !strings.Contains(text(res), "shown this once") {
		t.Fatalf("create_agent with no store: %s", text(res))
	}
	res, key := timed(t, s, "create_key", map[string]any{"name": "for-env", "reveal": true})
	if res.IsError {
		t.Fatalf("create_key: %s", text(res))
	}
	timed(t, s, "list_orgs", nil)

	// Env overrides need no store at all.
	envCreds := append(append([]string{}, extraEnv...), "MYAPI_PIN="+pin, "MYAPI_API_KEY="+key["api_key"].(string))
	s2 := startMCPCmd(t, e, mcp.ProtocolVersion20251125, wrapper, envCreds, "--credential-store", "keyring")
	for _, tool := range []string{"list_orgs", "get_balance"} { // the second mints a JWT from the PIN
		if res, _ := timed(t, s2, tool, nil); res.IsError {
			t.Fatalf("%s with env credentials: %s", tool, text(res))
		}
	}

	// auto: falls back to the 0600 file, and says so on stderr.
	s3 := startMCPCmd(t, e, mcp.ProtocolVersion20251125, wrapper, extraEnv, "--profile", "auto-fallback")
	timed(t, s3, "create_agent", nil)
	_, who = timed(t, s3, "whoami", nil)
	if who["store"] != "file" || who["plain_text_store"] != true || !strings.Contains(s3.stderr.String(), "plain text") {
		t.Fatalf("auto fallback: %v\n%s", who, s3.stderr)
	}
}

// TestNoSecretService: a D-Bus address that leads nowhere (headless Linux).
func TestNoSecretService(t *testing.T) {
	t.Parallel()
	keyringFaults(t, nil, []string{"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus"})
}

// TestLockedKeyring: a real gnome-keyring whose login collection will not
// unlock, in a private D-Bus session of its own.
func TestLockedKeyring(t *testing.T) {
	t.Parallel()
	if os.Getenv("MYAPI_TEST_REAL_KEYRING") != "1" {
		t.Skip("needs scripts/with-secret-service.sh (gnome-keyring, dbus-run-session)")
	}
	if _, err := exec.LookPath("dbus-run-session"); err != nil {
		t.Skip("no dbus-run-session")
	}
	keyringFaults(t, []string{"env", "-u", "WSS_INNER", "WSS_LOCKED=1", "bash", "../scripts/with-secret-service.sh"}, nil)
}
