package e2e

import (
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestServicePathTricksNeverReachTheService: path parameters (..;),
// escapes that are not UTF-8 (overlong dots) and look-alikes a normalising
// proxy folds into dots are refused by service_get before anything is
// sent: the sandbox's stand-in sees none of them.
func TestServicePathTricksNeverReachTheService(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := startServices(t, e, mcp.LATEST_PROTOCOL_VERSION, &human{}, nil, []string{"XDG_CACHE_HOME=" + t.TempDir()})
	s.ok("create_agent", map[string]any{"label": "paths"})
	base := s.sandboxBase()
	s.ok("service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/domains"}) // the door is open
	before := len(serviceCalls(t, base))
	for _, p := range []string{
		"/v1/..;/hq/orgs",
		"/v1/domains;jsessionid=0123456789",
		"/v1/domains%3Bjsessionid=0123456789",
		"/v1/%C0%AE%C0%AE/hq/orgs",
		"/v1/%E0%80%AE%E0%80%AE/hq/orgs",
		"/v1/%C0%AF",
		"/v1/%EF%BC%8E%EF%BC%8E/hq/orgs",
		"/v1/.../hq",
	} {
		if msg := s.fails("service_get", map[string]any{"service": "mydomainapi.com", "path": p}); !strings.Contains(msg, "refused") {
			t.Errorf("%s: %s", p, msg)
		}
	}
	if after := len(serviceCalls(t, base)); after != before {
		var seen []string
		for _, c := range serviceCalls(t, base)[before:] {
			seen = append(seen, c.Path)
		}
		t.Fatalf("%d refused paths reached the stand-in: %q", after-before, seen)
	}
}
