package fsx

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.json")
	// an older file readable by others is replaced by a private one
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "new" {
		t.Fatalf("read %q, %v", b, err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Fatalf("mode %v, want 0600", m)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("temp files left beside the file: %v", entries)
	}
}

func TestWriteFileAtomicMissingFolder(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "no", "such", "f")
	if err := WriteFileAtomic(path, []byte("x"), 0o600); err == nil {
		t.Fatal("wrote into a folder that does not exist")
	}
}

// TestWriteFileNewNeverReplaces: a file, a dangling symlink or a folder at
// the path stays as it was; a new file is private and alone.
func TestWriteFileNewNeverReplaces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "backup.env")
	if err := WriteFileNew(path, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "secret" {
		t.Fatalf("read %q", b)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	link := filepath.Join(dir, "link.env")
	if err := os.Symlink(filepath.Join(dir, "elsewhere"), link); err != nil && runtime.GOOS != "windows" {
		t.Fatal(err)
	}
	for _, p := range []string{path, link, dir} {
		if err := WriteFileNew(p, []byte("other"), 0o600); !errors.Is(err, fs.ErrExist) {
			t.Errorf("%s: %v, want fs.ErrExist", p, err)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "secret" {
		t.Fatalf("replaced: %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("wrote through a dangling symlink")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("temp files left beside the file: %v", entries)
	}
}
