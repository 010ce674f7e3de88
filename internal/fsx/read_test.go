package fsx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReadRegularBounds: a file of exactly the cap is read whole, one byte
// more is refused, a folder is refused, a missing file is fs.ErrNotExist.
func TestReadRegularBounds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := os.WriteFile(path, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadRegular(path, 10); err != nil || string(b) != "0123456789" {
		t.Fatalf("at the cap: %q, %v", b, err)
	}
	if _, err := ReadRegular(path, 9); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the cap: %v, want ErrTooLarge", err)
	}
	if _, err := ReadRegular(dir, 1<<20); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("a folder: %v, want ErrNotRegular", err)
	}
	if _, err := ReadRegular(filepath.Join(dir, "none"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v, want fs.ErrNotExist", err)
	}
}
