package packaging

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

// installLink is a one-click install link of docs/install.md or the README.
var installLink = regexp.MustCompile(`\((https://vscode\.dev/redirect/mcp/install\?[^)\s]+|vscode:mcp/install\?[^)\s]+|cursor://anysphere\.cursor-deeplink/mcp/install\?[^)\s]+)\)`)

// TestInstallLinksDecode: every VS Code and Cursor link in the install
// docs decodes, in that host's documented format, to this server: the
// command myapihq-mcp, with --sandbox exactly when its name says sandbox.
func TestInstallLinksDecode(t *testing.T) {
	seen := map[string]int{}
	for _, doc := range []string{"../docs/install.md", "../README.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range installLink.FindAllStringSubmatch(string(b), -1) {
			name, cfg := decodeLink(t, m[1])
			var c struct {
				Type, Command string
				Args          []string
			}
			if err := json.Unmarshal(cfg, &c); err != nil {
				t.Errorf("%s: %s: config %s: %v", doc, m[1], cfg, err)
				continue
			}
			sandbox := strings.HasSuffix(name, "-sandbox")
			if c.Command != "myapihq-mcp" || (sandbox != (strings.Join(c.Args, " ") == "--sandbox")) || (!sandbox && len(c.Args) != 0) ||
				(strings.Contains(m[1], "vscode") && c.Type != "stdio") {
				t.Errorf("%s: %s decodes to %s %s", doc, m[1], name, cfg)
			}
			seen[strings.SplitN(m[1], ":", 2)[0]]++
		}
	}
	if seen["https"] < 2 || seen["cursor"] < 2 {
		t.Errorf("links found: %v; want the VS Code and Cursor links for both servers", seen)
	}
}

// decodeLink returns a link's server name and its config JSON.
func decodeLink(t *testing.T, link string) (string, []byte) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("%s: %v", link, err)
	}
	switch {
	case u.Scheme == "cursor":
		q := u.Query()
		cfg, err := base64.StdEncoding.DecodeString(q.Get("config"))
		if err != nil {
			t.Fatalf("%s: config is not base64: %v", link, err)
		}
		return q.Get("name"), cfg
	case u.Scheme == "vscode":
		// vscode:mcp/install?{json with name}
		raw, err := url.QueryUnescape(u.RawQuery)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("%s: %v", link, err)
		}
		name, _ := m["name"].(string)
		delete(m, "name")
		cfg, _ := json.Marshal(m)
		return name, cfg
	default:
		q := u.Query()
		return q.Get("name"), []byte(q.Get("config"))
	}
}
