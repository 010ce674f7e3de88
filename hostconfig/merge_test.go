package hostconfig

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

var bin = Server{Command: "/opt/myapihq/myapihq-mcp", Args: []string{"--sandbox"}}

func mustHost(t *testing.T, name string) Host {
	t.Helper()
	h, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPlanWritesEachHostsFormat: a new file per host, in its own key and
// entry shape.
func TestPlanWritesEachHostsFormat(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"claude-desktop": "{\n  \"mcpServers\": {\n    \"myapihq\": {\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"]\n    }\n  }\n}\n",
		"cursor":         "{\n  \"mcpServers\": {\n    \"myapihq\": {\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"]\n    }\n  }\n}\n",
		"windsurf":       "{\n  \"mcpServers\": {\n    \"myapihq\": {\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"]\n    }\n  }\n}\n",
		"vscode":         "{\n  \"servers\": {\n    \"myapihq\": {\n      \"type\": \"stdio\",\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"]\n    }\n  }\n}\n",
		"claude-code":    "{\n  \"mcpServers\": {\n    \"myapihq\": {\n      \"type\": \"stdio\",\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"],\n      \"env\": {}\n    }\n  }\n}\n",
	}
	for host, w := range want {
		for _, old := range []string{"", "  \n", "\xef\xbb\xbf"} {
			out, ch, err := mustHost(t, host).plan("f", []byte(old), "myapihq", bin, false)
			w := w
			if strings.HasPrefix(old, "\xef") {
				w = old + w // a byte-order mark stays
			}
			if err != nil || ch != Added || string(out) != w {
				t.Errorf("%s from %q: %v %v\n%s", host, old, ch, err, out)
			}
		}
	}
}

// TestPlanKeepsEverythingElse: other servers, unknown keys, their order,
// spacing and number formats, the file's indent and line endings.
func TestPlanKeepsEverythingElse(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, host, old, want string }{
		{"appended after the last server, in the file's 4-space indent",
			"cursor",
			"{\n    \"zeta\": 1.50,\n    \"mcpServers\": {\n        \"other\": {\"command\": \"x\", \"env\": {\"TOKEN\": \"t\"}}\n    },\n    \"alpha\": [1, 2]\n}\n",
			"{\n    \"zeta\": 1.50,\n    \"mcpServers\": {\n        \"other\": {\"command\": \"x\", \"env\": {\"TOKEN\": \"t\"}},\n        \"myapihq\": {\n            \"command\": \"/opt/myapihq/myapihq-mcp\",\n            \"args\": [\"--sandbox\"]\n        }\n    },\n    \"alpha\": [1, 2]\n}\n"},
		{"no servers key: added after the last member; tabs and CRLF kept",
			"claude-desktop",
			"{\r\n\t\"globalShortcut\": \"Ctrl+Space\"\r\n}",
			"{\r\n\t\"globalShortcut\": \"Ctrl+Space\",\r\n\t\"mcpServers\": {\r\n\t\t\"myapihq\": {\r\n\t\t\t\"command\": \"/opt/myapihq/myapihq-mcp\",\r\n\t\t\t\"args\": [\"--sandbox\"]\r\n\t\t}\r\n\t}\r\n}"},
		{"an empty servers object is filled",
			"vscode",
			"{\n  \"inputs\": [],\n  \"servers\": {}\n}\n",
			"{\n  \"inputs\": [],\n  \"servers\": {\n    \"myapihq\": {\n      \"type\": \"stdio\",\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"]\n    }\n  }\n}\n"},
		{"servers: null is an empty list",
			"cursor",
			"{\"mcpServers\": null}",
			"{\"mcpServers\": {\n    \"myapihq\": {\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"]\n    }\n  }}"},
		{"an empty top-level object",
			"windsurf", "{}",
			"{\n  \"mcpServers\": {\n    \"myapihq\": {\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"]\n    }\n  }\n}"},
	}
	for _, c := range cases {
		out, ch, err := mustHost(t, c.host).plan("f", []byte(c.old), "myapihq", bin, false)
		if err != nil || ch != Added || string(out) != c.want {
			t.Errorf("%s: %v %v\n got: %q\nwant: %q", c.name, ch, err, out, c.want)
		}
	}
}

// TestPlanIsIdempotent: a second run changes nothing, whatever else the
// host or the user added to the entry since.
func TestPlanIsIdempotent(t *testing.T) {
	t.Parallel()
	for _, host := range Hosts() {
		h := mustHost(t, host)
		once, _, err := h.plan("f", []byte(`{"a": true}`), "myapihq", bin, false)
		if err != nil {
			t.Fatal(err)
		}
		twice, ch, err := h.plan("f", once, "myapihq", bin, false)
		if err != nil || ch != Unchanged || string(twice) != string(once) {
			t.Errorf("%s: second run %v %v", host, ch, err)
		}
	}
	// The user added env and disabled to the entry: still the same server.
	h := mustHost(t, "cursor")
	old := `{"mcpServers": {"myapihq": {"disabled": false, "command": "/opt/myapihq/myapihq-mcp", "args": ["--sandbox"], "env": {"MYAPI_PROFILE": "work"}}}}`
	if out, ch, err := h.plan("f", []byte(old), "myapihq", bin, false); err != nil || ch != Unchanged || string(out) != old {
		t.Errorf("extra keys in the entry: %v %v %s", ch, err, out)
	}
}

// TestPlanRefusesToReplaceAnotherServerUnlessForced: a name that runs
// something else is a conflict; --force replaces command and args only.
func TestPlanRefusesToReplaceAnotherServerUnlessForced(t *testing.T) {
	t.Parallel()
	h := mustHost(t, "vscode")
	old := "{\n  \"servers\": {\n    \"myapihq\": {\"type\": \"stdio\", \"command\": \"/old/myapihq-mcp\", \"args\": [], \"env\": {\"MYAPI_PROFILE\": \"work\"}},\n    \"b\": {}\n  }\n}\n"
	_, _, err := h.plan("/f.json", []byte(old), "myapihq", bin, false)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Have != "/old/myapihq-mcp" || ce.Want != "/opt/myapihq/myapihq-mcp --sandbox" ||
		!strings.Contains(err.Error(), "--force") || !strings.Contains(err.Error(), "/f.json") {
		t.Fatalf("conflict: %v", err)
	}
	out, ch, err := h.plan("/f.json", []byte(old), "myapihq", bin, true)
	if err != nil || ch != Updated {
		t.Fatalf("forced: %v %v", ch, err)
	}
	want := "{\n  \"servers\": {\n    \"myapihq\": {\n      \"type\": \"stdio\",\n      \"command\": \"/opt/myapihq/myapihq-mcp\",\n      \"args\": [\"--sandbox\"],\n      \"env\": {\"MYAPI_PROFILE\": \"work\"}\n    },\n    \"b\": {}\n  }\n}\n"
	if string(out) != want {
		t.Errorf("forced:\n got %q\nwant %q", out, want)
	}
	// A non-object entry is replaced whole.
	if out, ch, err := h.plan("f", []byte(`{"servers": {"myapihq": "junk"}}`), "myapihq", bin, true); err != nil || ch != Updated ||
		!strings.Contains(string(out), `"command": "/opt/myapihq/myapihq-mcp"`) {
		t.Errorf("junk entry: %v %v %s", ch, err, out)
	}
}

// TestConflictShowsHiddenCharacters: the entry already in the file was
// written by someone else; a bidi override or an escape in it is spelled
// out, so what the user reads is what runs.
func TestConflictShowsHiddenCharacters(t *testing.T) {
	t.Parallel()
	old := `{"mcpServers": {"myapihq": {"command": "/opt/myapihq/myapihq-mcp\u202e\u001b[2J", "args": ["--sandbox"]}}}`
	_, _, err := mustHost(t, "cursor").plan("/f.json", []byte(old), "myapihq", bin, false)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Have != "/opt/myapihq/myapihq-mcp⟨U+202E⟩⟨U+001B⟩[2J --sandbox" || strings.ContainsAny(err.Error(), "\u202e\x1b") {
		t.Fatalf("conflict: %q", err)
	}
}

// TestPlanRefusesWhatItCannotReadSafely: bad JSON, JSON with comments,
// odd shapes and duplicate keys name the file and change nothing.
func TestPlanRefusesWhatItCannotReadSafely(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ old, want string }{
		{`{"mcpServers": {"a": {"command": "x"},}}`, "trailing commas"},
		{"{\n  // mine\n  \"servers\": {}\n}", "comments"},
		{`{"mcpServers": {"a": 1}`, "ends too early"},
		{`{"mcpServers": {"a" 1}}`, "line 1, column"},
		{"{\n\"a\": 1\n}\n}", "line 4, column 1: more text"},
		{`[1, 2]`, "cannot be merged into: it is not a JSON object"},
		{`{"mcpServers": [1]}`, `"mcpServers" that is not a JSON object`},
		{`{"mcpServers": {}, "mcpServers": {}}`, `"mcpServers" appears twice`},
		{`{"mcpServers": {"a": {}, "a": {}}}`, `"a" appears twice`},
		{"\x00", "not valid JSON"},
	} {
		_, _, err := mustHost(t, "cursor").plan("/home/ann/.cursor/mcp.json", []byte(c.old), "myapihq", bin, false)
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "/home/ann/.cursor/mcp.json ") ||
			!strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("%q: %v", c.old, err)
		}
	}
}

// TestPlanWritesAnyPathAsJSON: Windows backslashes, quotes, &, non-ASCII
// and flags from the command line survive the round trip.
func TestPlanWritesAnyPathAsJSON(t *testing.T) {
	t.Parallel()
	s := Server{Command: `C:\Users\Zoë "Q" & co\myapihq-mcp.exe`, Args: []string{`x","y`, "--toolsets", "a,b", "<b>"}}
	out, _, err := mustHost(t, "claude-desktop").plan("f", []byte(`{"mcpServers": {"o": {}}}`), "my&name", s, false)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		MCPServers map[string]struct {
			Command string
			Args    []string
		}
	}
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatal(err)
	}
	got := f.MCPServers["my&name"]
	if got.Command != s.Command || strings.Join(got.Args, "|") != strings.Join(s.Args, "|") || len(f.MCPServers) != 2 {
		t.Errorf("round trip: %+v from %s", f, out)
	}
	if strings.Contains(string(out), `\u0026`) {
		t.Errorf("HTML-escaped: %s", out)
	}
}
