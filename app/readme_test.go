package app

import (
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/tools"
)

var update = flag.Bool("update", false, "rewrite generated README sections")

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMEToolTable fails when the README's tool table is not what the
// inventory generates: run `go run . tools --markdown` and paste it.
func TestREADMEToolTable(t *testing.T) {
	t.Parallel()
	r := readme(t)
	begin, end := strings.Index(r, "<!-- tools:begin -->\n"), strings.Index(r, "<!-- tools:end -->")
	if begin < 0 || end < begin {
		t.Fatal("README has no tools:begin/end markers")
	}
	got := r[begin+len("<!-- tools:begin -->\n") : end]
	if want := ToolTable(tools.All(tools.Config{})); got != want {
		t.Fatalf("README tool table drifted from the inventory; regenerate it with `go run . tools --markdown`")
	}
}

// TestREADMEFlagTable fails when the README's flag table is not what the
// flag table generates: run `go test ./app -run TestREADMEFlagTable -update`.
func TestREADMEFlagTable(t *testing.T) {
	r := readme(t)
	const open, closing = "<!-- flags:begin -->\n", "<!-- flags:end -->"
	begin, end := strings.Index(r, open), strings.Index(r, closing)
	if begin < 0 || end < begin {
		t.Fatal("README has no flags:begin/end markers")
	}
	want := FlagTable()
	if got := r[begin+len(open) : end]; got == want {
		return
	}
	if !*update {
		t.Fatalf("README flag table drifted from the flag table; regenerate it: go test ./app -run TestREADMEFlagTable -update")
	}
	if err := os.WriteFile("../README.md", []byte(r[:begin+len(open)]+want+r[end:]), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestREADMEConfigSnippetsAreJSON: every ```json block in the README parses.
func TestREADMEConfigSnippetsAreJSON(t *testing.T) {
	t.Parallel()
	blocks := regexp.MustCompile("(?s)```json\n(.*?)```").FindAllStringSubmatch(readme(t), -1)
	if len(blocks) < 3 {
		t.Fatalf("%d JSON blocks", len(blocks))
	}
	for _, b := range blocks {
		var v map[string]any
		if err := json.Unmarshal([]byte(b[1]), &v); err != nil {
			t.Errorf("README JSON block does not parse: %v\n%s", err, b[1])
		}
	}
}

// TestREADMEFirstCommands: the two commands a newcomer needs come first.
func TestREADMEFirstCommands(t *testing.T) {
	t.Parallel()
	lines := strings.Split(readme(t), "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[3], "go run . --sandbox") || !strings.HasPrefix(lines[4], "scripts/test.sh") {
		t.Fatalf("README must open with the run and test commands:\n%s", strings.Join(lines[:min(6, len(lines))], "\n"))
	}
}
