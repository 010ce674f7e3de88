package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestGeneratedSectionsAreCurrent fails when a generated part of the docs
// (the tool and flag tables, the counts, the pipeline's drawing) is not
// what the code generates: run go generate ./... and commit the diff.
func TestGeneratedSectionsAreCurrent(t *testing.T) {
	t.Parallel()
	for _, sec := range Sections() {
		b, err := os.ReadFile(filepath.Join("..", sec.Path))
		if err != nil {
			t.Fatal(err)
		}
		want, err := sec.Replace(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if want != string(b) {
			t.Errorf("%s: the %s section drifted from the code; run go generate ./... and review the diff", sec.Path, sec.Name)
		}
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

// TestREADMEFirstCommands: what it is, then the two commands a newcomer
// needs, on the first screen.
func TestREADMEFirstCommands(t *testing.T) {
	t.Parallel()
	lines := strings.Split(readme(t), "\n")
	i := slices.Index(lines, "```sh")
	if i < 0 || i > 10 || len(lines) < i+3 || !strings.HasPrefix(lines[i+1], "go run . --sandbox") || !strings.HasPrefix(lines[i+2], "scripts/test.sh") {
		t.Fatalf("README must open with the run and test commands:\n%s", strings.Join(lines[:min(12, len(lines))], "\n"))
	}
}
