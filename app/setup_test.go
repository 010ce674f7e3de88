package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetupRefusesAGoRunBinary: `go run` builds into the temp folder's
// go-build*/ and deletes the binary on exit; a host given that path would
// fail on its next start.
func TestSetupRefusesAGoRunBinary(t *testing.T) {
	t.Parallel()
	tmp := os.TempDir()
	if !isTempBuild(filepath.Join(tmp, "go-build1234", "b001", "exe", "myapihq-mcp")) {
		t.Error("a go run binary was taken")
	}
	for _, p := range []string{"/usr/local/bin/myapihq-mcp", filepath.Join(tmp, "myapihq-e2e-1", "myapihq-mcp")} {
		if isTempBuild(p) {
			t.Errorf("%s refused", p)
		}
	}
}

// TestSetupChecksServerFlags: the flags after -- are the server's own.
func TestSetupChecksServerFlags(t *testing.T) {
	t.Parallel()
	for args, ok := range map[string]bool{"--read-only --toolsets billing": true, "--profile work": true, "--raed-only": false, "stdio": false, "--toolsets nope": false} {
		if err := checkServerArgs(strings.Fields(args)); (err == nil) != ok {
			t.Errorf("%q: %v", args, err)
		}
	}
}
