// Package fsx holds the file primitives every store of the server shares:
// an inter-process lock on a path, a write that replaces a file
// atomically, an open that follows no symbolic link, and a bounded read of
// a regular file. It imports nothing of the project, so any package may use it.
package fsx

import "errors"

// ErrSymlink: OpenNoFollow found a symbolic link where a file was expected.
var ErrSymlink = errors.New("a symbolic link stands where the file should be: refused (remove it)")
