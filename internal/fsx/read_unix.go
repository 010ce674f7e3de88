//go:build unix

package fsx

import "syscall"

// openNonblock: opening a FIFO for reading otherwise waits for a writer.
const openNonblock = syscall.O_NONBLOCK
