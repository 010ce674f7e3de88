package packaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The MCP Registry's server.json schema, vendored: the newest published
// version, 2025-12-11, as served at its $id. Taken from the repository
// behind static.modelcontextprotocol.io (modelcontextprotocol/static,
// schemas/2025-12-11/server.schema.json, commit a9ba437, 2025-12-12), and
// checked against modelcontextprotocol/registry's release commit of that
// version (453956d, docs/reference/server-json/server.schema.json): the
// same bytes but for $id. The hash pins it: a new version is a reviewed
// change of file, URL and hash together.
const (
	schemaFile   = "schema/server.schema.2025-12-11.json"
	schemaURL    = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
	schemaSHA256 = "3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0"
)

func registrySchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != schemaSHA256 {
		t.Fatalf("%s has sha256 %x, pinned %s: a changed schema is a reviewed change of the pin", schemaFile, sum, schemaSHA256)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := doc.(map[string]any)["$id"].(string); id != schemaURL {
		t.Fatalf("%s: $id %q, want %q", schemaFile, id, schemaURL)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serverJSON is what the project promises of its entry beyond the schema.
type serverJSON struct {
	Schema   string `json:"$schema"`
	Name     string
	Version  string
	Packages []struct {
		RegistryType, Identifier, Version, FileSha256 string
		Transport                                     struct {
			Type, URL string
			Headers   []struct {
				Name     string
				IsSecret bool
			}
		}
	}
	Remotes []struct {
		Type, URL string
		Headers   []struct {
			Name     string
			IsSecret bool
		}
	}
}

// checkServerJSON validates a server.json against the registry's schema
// and the project's own rules, and returns it.
func checkServerJSON(t *testing.T, path string) serverJSON {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := registrySchema(t).Validate(inst); err != nil {
		t.Fatalf("%s does not match the registry's schema:\n%v", path, err)
	}
	var s serverJSON
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != schemaURL || s.Name != "io.github.myapihq/myapihq-mcp" {
		t.Errorf("%s: $schema %q, name %q", path, s.Schema, s.Name)
	}
	types := map[string]bool{}
	for _, p := range s.Packages {
		types[p.RegistryType] = true
		switch p.RegistryType {
		case "mcpb":
			// The registry takes bundles from GitHub releases only, and the
			// URL must name "mcp".
			want := "https://github.com/myapihq/myapihq-mcp/releases/download/v" + s.Version + "/myapihq-mcp_" + s.Version + ".mcpb"
			if p.Identifier != want || p.Version != s.Version || p.Transport.Type != "stdio" {
				t.Errorf("mcpb package %+v, want %s", p, want)
			}
		case "oci":
			if p.Identifier != "ghcr.io/myapihq/myapihq-mcp:"+s.Version || p.Transport.Type != "streamable-http" {
				t.Errorf("oci package %+v", p)
			}
			secretAuth(t, "the oci package", p.Transport.Headers)
		default:
			t.Errorf("unexpected package %s", p.RegistryType)
		}
	}
	if !types["mcpb"] || !types["oci"] {
		t.Errorf("%s: packages %v", path, types)
	}
	// The remote mode serves OAuth: a host that connects by URL needs no
	// header (it finds the sign-in from the 401), so the first remote has
	// none; headless callers send the API key, so a second, at the same
	// URL, carries the secret headers.
	if len(s.Remotes) != 2 || s.Remotes[0].URL != s.Remotes[1].URL || len(s.Remotes[0].Headers) != 0 {
		t.Errorf("%s: remotes %+v: want the URL alone (OAuth), then the same URL with the API key headers", path, s.Remotes)
	}
	for _, r := range s.Remotes {
		if r.Type != "streamable-http" {
			t.Errorf("%s: remote %+v is not streamable HTTP", path, r)
		}
	}
	if len(s.Remotes) == 2 {
		secretAuth(t, "the headless remote", s.Remotes[1].Headers)
	}
	return s
}

// secretAuth: the API key travels in Authorization, marked secret, as
// does the PIN.
func secretAuth(t *testing.T, what string, hs []struct {
	Name     string
	IsSecret bool
}) {
	t.Helper()
	got := map[string]bool{}
	for _, h := range hs {
		got[h.Name] = h.IsSecret
	}
	if !got["Authorization"] || !got["X-MyAPIHQ-Agent-PIN"] {
		t.Errorf("%s: headers %+v: Authorization and X-MyAPIHQ-Agent-PIN must be there and secret", what, hs)
	}
}

// TestServerJSONTemplateMatchesTheSchema: the template the release fills
// is itself a valid entry.
func TestServerJSONTemplateMatchesTheSchema(t *testing.T) {
	if s := checkServerJSON(t, "server.json"); s.Version != "0.0.0" {
		t.Errorf("the template's version is %q: the release sets it", s.Version)
	}
}

// TestSchemaRefusesBadEntries: the validator really enforces the schema
// (a wrong name, an overlong description, a bad hash, a missing
// transport), so a pass above means something.
func TestSchemaRefusesBadEntries(t *testing.T) {
	s := registrySchema(t)
	b, err := os.ReadFile("server.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(m map[string]any){
		"name with a space":  func(m map[string]any) { m["name"] = "io.github.myapihq/myapihq mcp" },
		"long description":   func(m map[string]any) { m["description"] = strings.Repeat("x", 101) },
		"bad sha256":         func(m map[string]any) { pkg(m, 0)["fileSha256"] = "XYZ" },
		"no transport":       func(m map[string]any) { delete(pkg(m, 1), "transport") },
		"version latest":     func(m map[string]any) { pkg(m, 0)["version"] = "latest" },
		"remote URL not URL": func(m map[string]any) { m["remotes"].([]any)[0].(map[string]any)["url"] = "ftp://x" },
	} {
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		raw, _ := json.Marshal(m)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if s.Validate(inst) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func pkg(m map[string]any, i int) map[string]any { return m["packages"].([]any)[i].(map[string]any) }

// TestReleaseServerJSON: dist/server.json names the release's version and
// the sha256 of the bundle built beside it.
func TestReleaseServerJSON(t *testing.T) {
	r := dist(t)
	s := checkServerJSON(t, r.path("server.json"))
	bundle, err := os.ReadFile(r.path("myapihq-mcp_" + r.version + ".mcpb"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bundle)
	for _, p := range s.Packages {
		if p.RegistryType == "mcpb" && p.FileSha256 != hex.EncodeToString(sum[:]) {
			t.Errorf("fileSha256 %s, the bundle's is %x", p.FileSha256, sum)
		}
	}
	if s.Version != r.version || filepath.Base(s.Packages[0].Identifier) != "myapihq-mcp_"+r.version+".mcpb" {
		t.Errorf("version %s, release %s", s.Version, r.version)
	}
}
