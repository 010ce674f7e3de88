package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileBackend is the explicit fallback: one JSON file, mode 0600, replaced
// atomically, and read-modify-written under an inter-process lock so two
// servers never drop each other's items. Secrets in it are plain text, which
// is said wherever it is used.
type fileBackend struct {
	path string
}

type fileData struct {
	Version int               `json:"version"`
	Items   map[string]string `json:"items"`
}

func (f *fileBackend) name() string { return "file" }

func (f *fileBackend) read() (fileData, error) {
	d := fileData{Version: 1, Items: map[string]string{}}
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("credential file %s is corrupt: %w", f.path, err)
	}
	if d.Items == nil {
		d.Items = map[string]string{}
	}
	return d, nil
}

func (f *fileBackend) get(user string) (string, error) {
	d, err := f.read()
	if err != nil {
		return "", err
	}
	v, ok := d.Items[user]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (f *fileBackend) update(change func(items map[string]string)) error {
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return err
	}
	unlock, err := lockFile(f.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	d, err := f.read()
	if err != nil {
		return err
	}
	change(d.Items)
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(f.path, b)
}

func (f *fileBackend) set(user, value string) error {
	return f.update(func(items map[string]string) { items[user] = value })
}

func (f *fileBackend) del(user string) error {
	if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return f.update(func(items map[string]string) { delete(items, user) })
}

// writeAtomic writes a 0600 temp file beside path, syncs it and renames it
// over path: a reader sees the old file or the new one, never half of one.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync() //nolint:errcheck // best effort: the rename itself is atomic
		dir.Close()
	}
	return nil
}
