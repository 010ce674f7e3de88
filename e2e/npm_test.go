package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// npmPackages is the folder scripts/npm-cache.sh installed src's pinned
// npm packages into, found by the same key (its package.json and lockfile),
// so a cache left by another lockfile is never taken for it; without it
// the test skips, naming the script that installs them.
func npmPackages(t *testing.T, src, name, installer string) string {
	t.Helper()
	var both []byte
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join("..", src, f))
		if err != nil {
			t.Fatal(err)
		}
		both = append(both, b...)
	}
	sum := sha256.Sum256(both)
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	dir := filepath.Join(cache, "myapihq-mcp", name+"-"+hex.EncodeToString(sum[:])[:16])
	if _, err := os.Stat(filepath.Join(dir, ".installed")); err != nil {
		t.Skipf("SKIP: %s's npm packages are not installed: run %s first (scripts/test.sh does)", src, installer)
	}
	return dir
}
