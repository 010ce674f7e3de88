package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkerDropsUnusedMethods: a reachable call of reflect's Method or
// MethodByName with a name known only at run time (text/template's and
// html/template's Execute, cobra's version template) makes the linker keep
// every exported method of every type: the release build was 27.6 MB with
// it and 18.6 MB without, and its untouched pages still cost resident
// memory at start (docs/benchmarks.md). The release build links none, and
// stays under 21 MB.
func TestLinkerDropsUnusedMethods(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "myapihq-mcp")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid= -dumpdep", "-o", bin, ".")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%.2000s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "<ReflectMethod>") {
			t.Fatalf("a reflective method call is linked, so every exported method is kept:\n%s\n"+
				"(go build -ldflags=-dumpdep shows the path from main to it)", line)
		}
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if mb := float64(fi.Size()) / (1 << 20); mb > 21 {
		t.Errorf("the release build is %.1f MB, over 21 MB", mb)
	}
}
