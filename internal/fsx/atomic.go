package fsx

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes data to a temp file beside path with mode perm,
// syncs it and renames it over path: a reader sees the old file or the new
// one, never half of one, and the content is never readable by others, not
// even while it is being written.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) //nolint:errcheck // gone after the rename
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(path)
	return nil
}

// WriteFileNew is WriteFileAtomic for a file that must not exist yet: it
// never replaces a file, a folder or a symlink at path, and then fails with
// an error that errors.Is fs.ErrExist. The name appears only once the whole
// content is on disk (a hard link of the temp file; where the filesystem
// has none, an exclusive create with mode perm from the start).
func WriteFileNew(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) //nolint:errcheck // the link keeps the content
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		return writeExclusive(path, data, perm)
	}
	syncDir(path)
	return nil
}

// writeTemp writes data to a new temp file beside path, mode perm, synced.
func writeTemp(path string, data []byte, perm os.FileMode) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		os.Remove(tmp.Name()) //nolint:errcheck // best effort
		return "", err
	}
	if err := fill(tmp, data); err != nil {
		os.Remove(tmp.Name()) //nolint:errcheck // best effort
		return "", err
	}
	return tmp.Name(), nil
}

func writeExclusive(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if err := fill(f, data); err != nil {
		os.Remove(path) //nolint:errcheck // ours, half written
		return err
	}
	return nil
}

// fill writes data to f, syncs and closes it.
func fill(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a new name durable; best effort, the rename or link itself
// is atomic.
func syncDir(path string) {
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync() //nolint:errcheck // best effort
		dir.Close()
	}
}
