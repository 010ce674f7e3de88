package app

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

var (
	_ toolkit.RetryStore = (*remote.Redis)(nil)
	_ toolkit.NonceStore = (*remote.Redis)(nil)
)

// The multi-tenant surface: no tool that needs this machine's credential
// store or a human session held by one replica; whoami replaced; the
// services door open with each caller's key.
func TestRemoteOffersNoLocalTool(t *testing.T) {
	r, err := Build(Config{BaseURL: "http://127.0.0.1:9", Stderr: io.Discard}, MultiTenant)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	names := map[string]bool{}
	for _, tl := range r.Tools {
		names[tl.Name] = true
		if tl.LocalOnly {
			t.Errorf("%s offered", tl.Name)
		}
	}
	for _, local := range []string{"create_agent", "logout", "login", "register_account", "rotate_key", "write_env_file", "list_linked_agents"} {
		if names[local] {
			t.Errorf("%s offered", local)
		}
	}
	for _, want := range []string{"whoami", "list_orgs", "create_org", "get_balance", "top_up", "import_brand",
		"list_services", "get_service_docs", "service_get", "service_write"} {
		if !names[want] {
			t.Errorf("%s missing", want)
		}
	}
	if r.Deps.Door == nil {
		t.Error("no services door")
	}
	if _, err := Build(Config{HTTP: HTTPConfig{Token: "t"}, Stderr: io.Discard}, MultiTenant); err == nil {
		t.Error("--http-token accepted with --multi-tenant")
	}
}

// Where the remote mode's door sends each service: the embedded sandbox's
// stand-ins with --sandbox, a standalone one's only when --service-url
// says so (a loopback --base-url alone is warned about, not guessed).
func TestRemoteDoorTargets(t *testing.T) {
	t.Parallel()
	r, err := Build(Config{Sandbox: true, SandboxConfig: SandboxConfig{State: filepath.Join(t.TempDir(), "sb.db")}, Stderr: io.Discard}, MultiTenant)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, want := r.Deps.Door.DocsURL("mydomainapi.com"), r.BaseURL+"/_services/mydomainapi.com/llms.txt"; got != want {
		t.Errorf("--sandbox: docs at %s, want %s", got, want)
	}

	var log strings.Builder
	r2, err := Build(Config{BaseURL: "http://127.0.0.1:9", Stderr: &log}, MultiTenant)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if got := r2.Deps.Door.DocsURL("mydomainapi.com"); got != "https://mydomainapi.com/llms.txt" {
		t.Errorf("a loopback --base-url was taken for a sandbox: %s", got)
	}
	if !strings.Contains(log.String(), "--service-url '*=http://127.0.0.1:9/_services'") {
		t.Errorf("no warning: %s", log.String())
	}

	r3, err := Build(Config{BaseURL: "http://127.0.0.1:9", ServiceURLs: []string{"*=http://127.0.0.1:9/_services"}, Stderr: io.Discard}, MultiTenant)
	if err != nil {
		t.Fatal(err)
	}
	defer r3.Close()
	if got := r3.Deps.Door.DocsURL("myemailapi.com"); got != "http://127.0.0.1:9/_services/myemailapi.com/llms.txt" {
		t.Errorf("*=URL: %s", got)
	}
}
