// Command regen writes everything generated from the code: the tools'
// schema snapshots and the generated sections of the docs (the tool and
// flag tables, the counts, the pipeline's drawing). Run it as
// `go generate ./...` from anywhere in the repository.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/myapihq/myapihq-mcp/app"
	"github.com/myapihq/myapihq-mcp/tools"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "regen:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	for _, s := range app.Sections() {
		path := filepath.Join(root, s.Path)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := s.Replace(string(b))
		if err != nil {
			return err
		}
		if err := write(path, []byte(doc)); err != nil {
			return err
		}
	}
	dir := filepath.Join(root, "tools", "testdata", "toolsnaps")
	want := map[string]bool{}
	for _, t := range tools.Catalog(tools.Config{}) {
		want[t.Name+".json"] = true
		snap, err := tools.Snapshot(t)
		if err != nil {
			return err
		}
		if err := write(filepath.Join(dir, t.Name+".json"), snap); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !want[e.Name()] {
			fmt.Println("removed", filepath.Join("tools", "testdata", "toolsnaps", e.Name()))
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// write writes b to path if it differs, and says so.
func write(path string, b []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	fmt.Println("wrote", path)
	return os.WriteFile(path, b, 0o644)
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
