package tools

import (
	"net/http"
	"strings"
	"testing"
)

// On the embedded sandbox, whoami says where the human's console is, and
// that address serves it.
func TestWhoamiGivesTheSandboxConsole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{})
	_, who, text := h.call("whoami", nil)
	u, _ := who["console_url"].(string)
	if u != h.deps.BaseURL+"/_sandbox/console" || !strings.Contains(text, u) {
		t.Fatalf("whoami: %v / %s", who, text)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("console: %d", resp.StatusCode)
	}

	h.deps.Sandbox = false // the live service has no console
	if _, who, _ := h.call("whoami", nil); who["console_url"] != nil {
		t.Fatalf("live whoami: %v", who)
	}
}
