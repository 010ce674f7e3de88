package credentials

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/myapihq/myapihq-mcp/internal/fsx"
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
	unlock, err := fsx.Lock(f.path + ".lock")
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
	return fsx.WriteFileAtomic(f.path, b, 0o600)
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
