//go:build !unix

package fsx

import (
	"errors"
	"io/fs"
	"os"
)

// OpenNoFollow is os.OpenFile that refuses a symbolic link at name itself
// (ErrSymlink). Without O_NOFOLLOW the check comes just before the open.
func OpenNoFollow(name string, flag int, perm os.FileMode) (*os.File, error) {
	if fi, err := os.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &os.PathError{Op: "open", Path: name, Err: ErrSymlink}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return os.OpenFile(name, flag, perm)
}
