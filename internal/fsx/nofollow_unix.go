//go:build unix

package fsx

import (
	"errors"
	"os"
	"syscall"
)

// OpenNoFollow is os.OpenFile that refuses a symbolic link at name itself
// (ErrSymlink): a file the server appends to, or makes 0600, by name is
// never another file a link points to.
func OpenNoFollow(name string, flag int, perm os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(name, flag|syscall.O_NOFOLLOW, perm)
	if errors.Is(err, syscall.ELOOP) {
		return nil, &os.PathError{Op: "open", Path: name, Err: ErrSymlink}
	}
	return f, err
}
