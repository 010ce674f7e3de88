// Package fsx holds the two file primitives every store of the server
// shares: an inter-process lock on a path, and a write that replaces a file
// atomically. It imports nothing of the project, so any package may use it.
package fsx
