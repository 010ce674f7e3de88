package tools

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// TestInventory: one tool a name, every tool in a known toolset and every
// toolset offering tools. Which tools there are is pinned by their
// snapshots (TestToolSnapshots): adding one adds its snapshot, nothing here.
func TestInventory(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	per := map[toolkit.Toolset]int{}
	for _, tool := range Catalog(Config{}) {
		if seen[tool.Name] {
			t.Fatalf("duplicate tool %s", tool.Name)
		}
		seen[tool.Name] = true
		if !slices.Contains(AllToolsets, tool.Toolset) {
			t.Errorf("%s: toolset %q is not one of AllToolsets", tool.Name, tool.Toolset)
		}
		per[tool.Toolset]++
	}
	for _, ts := range AllToolsets {
		if per[ts] == 0 {
			t.Errorf("toolset %s has no tool", ts)
		}
	}
}

// TestAnnotations: every tool sets all four hints and a title, and they
// agree with what the tool does.
func TestAnnotations(t *testing.T) {
	t.Parallel()
	for _, tool := range Catalog(Config{}) {
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

func byName(t *testing.T, name string) toolkit.Tool {
	t.Helper()
	for _, tool := range Catalog(Config{}) {
		if tool.Name == name {
			return tool
		}
	}
	t.Fatalf("no tool %s", name)
	return toolkit.Tool{}
}

// TestToolSnapshots compares each tool, as tools/list shows it, with its
// committed snapshot; `go generate ./...` rewrites them, and the diff is
// then reviewed like code.
func TestToolSnapshots(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "toolsnaps")
	want := map[string]bool{}
	for _, tool := range Catalog(Config{}) {
		want[tool.Name+".json"] = true
		got, err := Snapshot(tool)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := os.ReadFile(filepath.Join(dir, tool.Name+".json"))
		if err != nil {
			t.Errorf("%s: no snapshot (run go generate ./... and commit it): %v", tool.Name, err)
			continue
		}
		if !bytes.Equal(snap, got) {
			t.Errorf("%s changed what the model sees; if intended, run go generate ./... and review the diff.\n got: %s", tool.Name, got)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !want[e.Name()] {
			t.Errorf("stale snapshot %s (go generate ./... removes it)", e.Name())
		}
	}
}

// TestSurfaceBudget: what the model pays for the tool list in every prompt
// (tokens ≈ compact bytes / 4; github-mcp-server spends ~680 per tool), as
// the catalog renders it; e2e's TestToolsListBudget measures the binary's
// own tools/list against the same budget.
func TestSurfaceBudget(t *testing.T) {
	t.Parallel()
	all := Catalog(Config{})
	list := make([]mcp.Tool, len(all))
	for i, tool := range all {
		list[i] = tool.MCP()
		b, _ := json.Marshal(list[i])
		if len(b)/4 > 400 {
			t.Errorf("%s costs %d tokens", tool.Name, len(b)/4)
		}
	}
	b, _ := json.Marshal(map[string]any{"tools": list})
	if tokens := len(b) / 4; tokens > ToolsListBudget || tokens/len(all) > 200 {
		t.Fatalf("surface is %d tokens (%d per tool): budget %d, 200 per tool", tokens, tokens/len(all), ToolsListBudget)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	params := []toolkit.Param{
		{Name: "name", Type: "string", Required: true, MaxLen: 5},
		{Name: "n", Type: "integer", Min: toolkit.I64(1), Max: toolkit.I64(10)},
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
		a, err := toolkit.Validate(params, tc.args)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.err)
		case tc.err == "" && (a.Int("n") != 3 || a.Bool("on") != true):
			t.Errorf("typed args %v", a)
		}
	}
	if _, err := toolkit.Validate(nil, map[string]any{"x": 1}); err == nil || !strings.Contains(err.Error(), "takes no arguments") {
		t.Errorf("no-arg tool: %v", err)
	}
}

// TestFilters: the flags' filters over the real inventory, counts derived
// from it.
func TestFilters(t *testing.T) {
	t.Parallel()
	all := Catalog(Config{})
	ro := toolkit.Keep(all, toolkit.ReadOnly)
	for _, tool := range ro {
		if !tool.ReadOnly {
			t.Fatalf("read-only selection has %s", tool.Name)
		}
	}
	billingOnly, err := toolkit.InToolsets([]string{"billing"}, AllToolsets)
	if err != nil {
		t.Fatal(err)
	}
	billing := toolkit.Keep(all, billingOnly)
	if want := slices.DeleteFunc(slices.Clone(all), func(x toolkit.Tool) bool { return x.Toolset != Billing }); !slices.Equal(toolkit.Names(billing), toolkit.Names(want)) || len(billing) == 0 {
		t.Fatalf("billing: %v", toolkit.Names(billing))
	}
	two, _ := toolkit.InToolsets([]string{"billing", " keys"}, AllToolsets)
	for _, tool := range toolkit.Keep(all, two, toolkit.ReadOnly) {
		if !tool.ReadOnly || (tool.Toolset != Billing && tool.Toolset != Keys) {
			t.Fatalf("read-only billing+keys has %s", tool.Name)
		}
	}
	if _, err := toolkit.InToolsets([]string{"bogus"}, AllToolsets); err == nil || !strings.Contains(err.Error(), "account, keys") {
		t.Fatalf("unknown toolset: %v", err)
	}
	every, _ := toolkit.InToolsets([]string{"all"}, AllToolsets)
	none, _ := toolkit.InToolsets(nil, AllToolsets)
	if len(toolkit.Keep(all, every)) != len(all) || len(toolkit.Keep(all, none)) != len(all) {
		t.Fatal("all (or nothing) does not keep every tool")
	}
	local := toolkit.Keep(all, toolkit.NotLocalOnly)
	for _, tool := range local {
		if tool.LocalOnly {
			t.Fatalf("multi-tenant selection has %s", tool.Name)
		}
	}
}

func TestTopUpCapIsInTheSchema(t *testing.T) {
	t.Parallel()
	for _, tool := range Catalog(Config{MaxTopUpCents: 777}) {
		if tool.Name == "top_up" {
			if !strings.Contains(string(toolkit.Schema(tool.Params)), `"maximum":777`) || !strings.Contains(tool.Description, "$7.77") {
				t.Fatalf("cap missing: %s / %s", toolkit.Schema(tool.Params), tool.Description)
			}
			if _, err := toolkit.Validate(tool.Params, map[string]any{"amount_cents": 778.0}); err == nil {
				t.Fatal("778 cents accepted over a 777 cap")
			}
		}
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
		res, err := toolkit.OK(json.RawMessage(raw), "summary")
		if err != nil {
			t.Fatal(err)
		}
		toolkit.MaskResult(mask.New(), res)
		toolkit.WithJSONText(res)
		b, _ := json.Marshal(res)
		if strings.Contains(string(b), secret) {
			t.Fatalf("%s passed through: %s", raw, b)
		}
	}
	spliced, _ := toolkit.OKWith(json.RawMessage(`{"api_key":"`+secret+`"}`), "budget", 1, "summary")
	toolkit.MaskResult(mask.New(), spliced)
	toolkit.WithJSONText(spliced)
	if b, _ := json.Marshal(spliced); strings.Contains(string(b), secret) {
		t.Fatalf("a spliced answer passed through: %s", b)
	}
	res, _ := toolkit.OK(json.RawMessage(`[{"id":"org_1"}]`), "summary")
	toolkit.MaskResult(mask.New(), res)
	toolkit.WithJSONText(res)
	if res.StructuredContent != nil || string(res.RawStructuredContent) != `{"items":[{"id":"org_1"}]}` {
		t.Fatalf("fast path: %+v %s", res.StructuredContent, res.RawStructuredContent)
	}
}
