package app

import (
	"io"
	"testing"

	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/tools"
)

var (
	_ tools.RetryStore = (*remote.Redis)(nil)
	_ tools.NonceStore = (*remote.Redis)(nil)
)

// The multi-tenant surface: no tool that needs this machine's credential
// store or a human session held by one replica; whoami replaced; the
// services door open with each caller's key.
func TestRemoteOffersNoLocalTool(t *testing.T) {
	r, err := OpenRemote(Config{BaseURL: "http://127.0.0.1:9"}, HTTPConfig{MultiTenant: true}, io.Discard)
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
	if _, err := OpenRemote(Config{}, HTTPConfig{MultiTenant: true, Token: "t"}, io.Discard); err == nil {
		t.Error("--http-token accepted with --multi-tenant")
	}
}
