package tools

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

func TestInventory(t *testing.T) {
	t.Parallel()
	want := map[Toolset][]string{
		Account: {"create_agent", "whoami", "logout", "login", "register_account", "link_agent", "accept_agent_link",
			"send_link_email", "list_linked_agents", "get_agent_balance", "get_agent_usage", "write_env_file"},
		Keys:     {"create_key", "list_keys", "revoke_key", "rotate_key"},
		Orgs:     {"list_orgs", "create_org", "get_org", "update_org", "delete_org", "create_webhook", "list_webhooks", "delete_webhook"},
		Billing:  {"get_balance", "top_up", "setup_payment", "confirm_payment_setup", "get_billing_history"},
		Imports:  {"import_brand", "get_import", "confirm_import"},
		Services: {"list_services", "get_service_docs", "service_get", "service_write"},
	}
	got := map[Toolset][]string{}
	seen := map[string]bool{}
	for _, tool := range All(Config{}) {
		if seen[tool.Name] {
			t.Fatalf("duplicate tool %s", tool.Name)
		}
		seen[tool.Name] = true
		got[tool.Toolset] = append(got[tool.Toolset], tool.Name)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("inventory:\n got %v\nwant %v", got, want)
	}
}

// TestAnnotations: every tool sets all four hints and a title, and they
// agree with what the tool does.
func TestAnnotations(t *testing.T) {
	t.Parallel()
	for _, tool := range All(Config{}) {
		an := tool.MCP().Annotations
		if an.Title == "" || an.ReadOnlyHint == nil || an.DestructiveHint == nil || an.IdempotentHint == nil || an.OpenWorldHint == nil {
			t.Errorf("%s: annotations not all set: %+v", tool.Name, an)
			continue
		}
		if *an.ReadOnlyHint && (*an.DestructiveHint || !*an.IdempotentHint) {
			t.Errorf("%s: read-only tools are idempotent and not destructive", tool.Name)
		}
		if tool.Charges != nil && !tool.Destructive { // docs/security.md: destructiveHint marks every tool that spends
			t.Errorf("%s spends money: mark it Destructive, so hosts that confirm destructive tools ask", tool.Name)
		}
		if tool.Confirm != nil && tool.ReadOnly {
			t.Errorf("%s: asks consent for a read", tool.Name)
		}
		if tool.Description == "" || len(tool.Description) > 300 {
			t.Errorf("%s: description of %d characters", tool.Name, len(tool.Description))
		}
	}
	for _, name := range []string{"delete_org", "revoke_key", "logout", "top_up", "rotate_key"} {
		if tool := byName(t, name); tool.Confirm == nil {
			t.Errorf("%s must ask the human first", name)
		}
	}
}

func byName(t *testing.T, name string) Tool {
	t.Helper()
	for _, tool := range All(Config{}) {
		if tool.Name == name {
			return tool
		}
	}
	t.Fatalf("no tool %s", name)
	return Tool{}
}

// TestToolSnapshots compares each tool, as tools/list shows it, with its
// committed snapshot. UPDATE_TOOLSNAPS=1 rewrites them; the diff is then
// reviewed like code.
func TestToolSnapshots(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "toolsnaps")
	update := os.Getenv("UPDATE_TOOLSNAPS") == "1"
	want := map[string]bool{}
	for _, tool := range All(Config{}) {
		want[tool.Name+".json"] = true
		got, err := json.MarshalIndent(tool.MCP(), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join(dir, tool.Name+".json")
		if update {
			os.MkdirAll(dir, 0o755)
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		snap, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: no snapshot (run UPDATE_TOOLSNAPS=1 go test ./tools and commit it): %v", tool.Name, err)
			continue
		}
		if !bytes.Equal(snap, got) {
			t.Errorf("%s changed what the model sees; if intended, run UPDATE_TOOLSNAPS=1 go test ./tools and review the diff.\n got: %s", tool.Name, got)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("stale snapshot %s", e.Name())
		}
	}
}

// TestSurfaceBudget: what the model pays for the tool list in every prompt
// (tokens ≈ compact bytes / 4; github-mcp-server spends ~680 per tool).
func TestSurfaceBudget(t *testing.T) {
	t.Parallel()
	all := All(Config{})
	list := make([]mcp.Tool, len(all))
	for i, tool := range all {
		list[i] = tool.MCP()
		b, _ := json.Marshal(list[i])
		if len(b)/4 > 400 {
			t.Errorf("%s costs %d tokens", tool.Name, len(b)/4)
		}
	}
	b, _ := json.Marshal(map[string]any{"tools": list})
	if tokens := len(b) / 4; tokens > 6000 || tokens/len(all) > 200 {
		t.Fatalf("surface is %d tokens (%d per tool): budget 6000, 200 per tool", tokens, tokens/len(all))
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	params := []Param{
		{Name: "name", Type: "string", Required: true, MaxLen: 5},
		{Name: "n", Type: "integer", Min: i64(1), Max: i64(10)},
		{Name: "on", Type: "boolean", Default: true},
		{Name: "site", Type: "string", Format: "uri"},
		{Name: "mail", Type: "string", Format: "email"},
		{Name: "host", Type: "string", Format: "hostname"},
		{Name: "pm", Type: "string", Pattern: "^pm_[a-z]+$"},
		{Name: "kind", Type: "string", Enum: []string{"a", "b"}},
		{Name: "tags", Type: "array", MaxLen: 3},
		{Name: "meta", Type: "object"},
	}
	cases := []struct {
		args map[string]any
		err  string
	}{
		{map[string]any{"name": "ok", "n": 3.0}, ""},
		{map[string]any{}, "name is required"},
		{map[string]any{"name": "  "}, "name: must not be empty"},
		{map[string]any{"name": "toolong"}, "at most 5"},
		{map[string]any{"name": "x", "n": 0.0}, "between 1 and 10"},
		{map[string]any{"name": "x", "n": 2.5}, "whole number"},
		{map[string]any{"name": "x", "n": "3"}, "whole number"},
		{map[string]any{"name": "x", "on": "yes"}, "true or false"},
		{map[string]any{"name": "x", "site": "ftp://a"}, "http(s) URL"},
		{map[string]any{"name": "x", "mail": "nope"}, "email"},
		{map[string]any{"name": "x", "host": "https://a.com"}, "bare domain"},
		{map[string]any{"name": "x", "pm": "card_1"}, "must match"},
		{map[string]any{"name": "x", "kind": "c"}, "one of a, b"},
		{map[string]any{"name": "x", "tags": []any{"a", 1.0}}, "array of strings"},
		{map[string]any{"name": "x", "meta": []any{}}, "object"},
		{map[string]any{"name": "x", "nmae": "typo"}, `unknown argument "nmae"`},
	}
	for _, tc := range cases {
		a, err := Validate(params, tc.args)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.err)
		case tc.err == "" && (a.Int("n") != 3 || a.Bool("on") != true):
			t.Errorf("typed args %v", a)
		}
	}
	if _, err := Validate(nil, map[string]any{"x": 1}); err == nil || !strings.Contains(err.Error(), "takes no arguments") {
		t.Errorf("no-arg tool: %v", err)
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	all := All(Config{})
	ro, _ := Select(all, nil, true)
	for _, tool := range ro {
		if !tool.ReadOnly {
			t.Fatalf("read-only selection has %s", tool.Name)
		}
	}
	billing, _ := Select(all, []string{"billing"}, false)
	if len(billing) != 5 {
		t.Fatalf("billing: %v", names(billing))
	}
	both, _ := Select(all, []string{"billing", "keys"}, true)
	got := names(both)
	sort.Strings(got)
	if strings.Join(got, ",") != "get_balance,get_billing_history,list_keys" {
		t.Fatalf("read-only billing+keys: %v", got)
	}
	if _, err := Select(all, []string{"bogus"}, false); err == nil {
		t.Fatal("unknown toolset accepted")
	}
	if every, _ := Select(all, []string{"all"}, false); len(every) != 36 {
		t.Fatalf("all: %d", len(every))
	}
}

func TestTopUpCapIsInTheSchema(t *testing.T) {
	t.Parallel()
	for _, tool := range All(Config{MaxTopUpCents: 777}) {
		if tool.Name == "top_up" {
			if !strings.Contains(string(Schema(tool.Params)), `"maximum":777`) || !strings.Contains(tool.Description, "$7.77") {
				t.Fatalf("cap missing: %s / %s", Schema(tool.Params), tool.Description)
			}
			if _, err := Validate(tool.Params, map[string]any{"amount_cents": 778.0}); err == nil {
				t.Fatal("778 cents accepted over a 777 cap")
			}
		}
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	in := map[string]any{"account_id": "acct_1", "pin": "abcdefghijklmnop9876", "nested": []any{
		map[string]any{"api_key": "hq_live_abcdefghijklmnopqrstuvwxyz00001234", "token": "eyJhbGciOi.payload.sig0000wxyz"}}}
	out := scrub(in).(map[string]any)
	b, _ := json.Marshal(out)
	for _, secret := range []string{"abcdefghijklmnop9876", "hq_live_abcdefghijklmnopqrstuvwxyz00001234", "eyJhbGciOi.payload"} {
		if strings.Contains(string(b), secret) {
			t.Fatalf("%s survived: %s", secret, b)
		}
	}
	if !strings.Contains(string(b), "••••9876") || !strings.Contains(string(b), "hq_live_…1234") || out["account_id"] != "acct_1" {
		t.Fatalf("masked wrongly: %s", b)
	}
	if in["pin"] != "abcdefghijklmnop9876" {
		t.Fatal("scrub changed its input")
	}
}

// TestResultFastPathNeverSkipsTheScrubber: answers pass through raw only
// when they cannot hold a secret, even one spelt with escapes.
func TestResultFastPathNeverSkipsTheScrubber(t *testing.T) {
	t.Parallel()
	secret := "abcdefghijklmnop4321"
	for _, raw := range []string{
		`{"pin":"` + secret + `"}`,
		`{"\u0070in":"` + secret + `"}`,
		`[{"nested":{"api_key":"` + secret + `"}}]`,
	} {
		res, err := ok(json.RawMessage(raw), "summary")
		if err != nil {
			t.Fatal(err)
		}
		scrubResult(res, false)
		withJSONText(res)
		b, _ := json.Marshal(res)
		if strings.Contains(string(b), secret) {
			t.Fatalf("%s passed through: %s", raw, b)
		}
	}
	res, _ := ok(json.RawMessage(`[{"id":"org_1"}]`), "summary")
	withJSONText(res)
	if res.StructuredContent != nil || string(res.RawStructuredContent) != `{"items":[{"id":"org_1"}]}` {
		t.Fatalf("fast path: %+v %s", res.StructuredContent, res.RawStructuredContent)
	}
}

func names(ts []Tool) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Name
	}
	return out
}
