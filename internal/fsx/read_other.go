//go:build !unix

package fsx

// openNonblock: no FIFO at a file path waits on open here.
const openNonblock = 0
