package tools

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/myapihq/myapihq-mcp/toolkit"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestOutputSchemasHold: a story that calls every tool; each structured
// result validates against the outputSchema its tool declares.
func TestOutputSchemasHold(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{delay: 10 * time.Millisecond})
	h.ok("whoami", nil)
	h.ok("create_agent", nil)
	h.ok("list_keys", nil)
	extra := h.ok("create_key", map[string]any{"name": "extra"})
	h.ok("revoke_key", map[string]any{"key_id": extra["id"]})
	h.ok("rotate_key", nil)
	org := h.ok("create_org", map[string]any{"name": "Schema"})["id"]
	h.ok("get_org", map[string]any{"org_id": org})
	h.ok("update_org", map[string]any{"org_id": org, "description": "d"})
	h.ok("list_orgs", nil)
	hook := h.ok("create_webhook", map[string]any{"org_id": org, "url": "https://example.com/hook"})["id"]
	h.ok("list_webhooks", map[string]any{"org_id": org})
	h.ok("delete_webhook", map[string]any{"org_id": org, "webhook_id": hook})
	h.ok("delete_org", map[string]any{"org_id": org})
	h.ok("setup_payment", nil)
	h.ok("confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
	h.ok("top_up", map[string]any{"amount_cents": 500})
	h.ok("get_balance", nil)
	h.ok("get_billing_history", nil)
	job := h.ok("import_brand", map[string]any{"domain": "schema.io"})["id"]
	h.ok("get_import", map[string]any{"job_id": job})
	h.ok("confirm_import", map[string]any{"job_id": job})
	h.ok("register_account", map[string]any{"email": "s@example.com", "password": "correct horse"})
	h.verifyEmail("s@example.com")
	h.ok("login", map[string]any{"email": "s@example.com", "password": "correct horse"})
	h.ok("link_agent", nil)
	agent := h.ok("list_linked_agents", nil)["items"].([]any)[0].(map[string]any)["account_id"]
	h.ok("get_agent_balance", map[string]any{"agent_id": agent})
	h.ok("get_agent_usage", map[string]any{"agent_id": agent})
	h.ok("send_link_email", map[string]any{"email": "o@example.com"})
	withDoor(t, h)
	h.deps.EnvFileDir = t.TempDir()
	h.ok("list_services", nil)
	h.ok("get_service_docs", map[string]any{"service": "mydomainapi.com"})
	h.ok("service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/domains"})
	h.ok("service_write", map[string]any{"service": "mydomainapi.com", "method": "POST", "path": "/v1/domains", "body": map[string]any{}})
	h.ok("write_env_file", map[string]any{"path": ".env"})
	called := map[string]bool{}
	for _, r := range h.results() {
		called[r.tool] = true
	}
	for _, tool := range Catalog(Config{}) { // a new read that takes no argument needs no line here
		if tool.ReadOnly && !called[tool.Name] && !slices.ContainsFunc(tool.Params, func(p toolkit.Param) bool { return p.Required }) {
			h.ok(tool.Name, nil)
		}
	}
	h.ok("logout", nil)

	schemas := map[string]*jsonschema.Schema{}
	for _, tool := range Catalog(Config{}) {
		if tool.Output == nil {
			if tool.Name != "service_get" && tool.Name != "service_write" { // a service may answer text, not JSON
				t.Errorf("%s declares no outputSchema", tool.Name)
			}
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(tool.Output))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(tool.Name+".json", doc); err != nil {
			t.Fatal(err)
		}
		if schemas[tool.Name], err = c.Compile(tool.Name + ".json"); err != nil {
			t.Fatalf("%s: %v", tool.Name, err)
		}
	}
	covered := map[string]bool{}
	for _, r := range h.seen {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.raw))
		if err != nil {
			t.Fatal(err)
		}
		if schemas[r.tool] == nil {
			continue // unstructured tools: no promise to hold
		}
		if err := schemas[r.tool].Validate(v); err != nil {
			t.Errorf("%s: result does not match its outputSchema: %v\n%s", r.tool, err, r.raw)
		}
		covered[r.tool] = true
	}
	for name := range schemas {
		if !covered[name] && name != "accept_agent_link" { // needs a token from a mail to a real inbox
			t.Errorf("the story never called %s", name)
		}
	}
}

// TestMCPResources: the account and organization resources, in process,
// masked and quoted like the tools.
func TestMCPResources(t *testing.T) {
	t.Parallel()
	h := newHarness(t, hopts{})
	RegisterResources(h.srv, h.deps)
	h.ok("create_agent", nil)
	org := h.ok("create_org", map[string]any{"name": "Res"})["id"].(string)
	read := func(c *client.Client, uri string) (string, error) {
		req := mcp.ReadResourceRequest{}
		req.Params.URI = uri
		res, err := c.ReadResource(context.Background(), req)
		if err != nil {
			return "", err
		}
		return res.Contents[0].(mcp.TextResourceContents).Text, nil
	}
	v, _ := h.store.Get(context.Background())
	for uri, want := range map[string]string{"myapihq://account": v.AccountID, "myapihq://orgs": org, "myapihq://orgs/" + org: `"Res"`} {
		got, err := read(h.c, uri)
		if err != nil || !strings.Contains(got, want) || strings.Contains(got, v.APIKey) || strings.Contains(got, v.PIN) {
			t.Fatalf("%s: %v %s", uri, err, got)
		}
	}
	h.ok("create_org", map[string]any{"name": "Leak", "description": "pin " + v.PIN}) // masked in the result too
	if got, _ := read(h.c, "myapihq://orgs"); strings.Contains(got, v.PIN) || !strings.Contains(got, "pin ••••") {
		t.Fatalf("a stored PIN in an org's text reached the resource: %s", got)
	}
	if _, err := read(h.c, "myapihq://orgs/org_nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown org: %v", err)
	}
	if _, err := read(h.c, "myapihq://orgs/..%2F.."); err == nil || strings.Contains(err.Error(), "..") {
		t.Fatalf("a path id was read or echoed: %v", err)
	}
}
