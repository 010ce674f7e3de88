//go:build !unix || forcelockfallback

package fsx

import "sync"

// Without flock (Windows), the lock only serialises this process: two
// servers editing one file at the same instant can still interleave;
// LockFileEx would close that gap.
//
// One mutex per path, not one for all: a caller may hold one path's lock
// while it takes another's (credentials' onboarding lock, then its file's),
// and a single mutex would deadlock. Build with -tags forcelockfallback to
// run this code on unix (scripts/test.sh does).
var (
	locksMu sync.Mutex
	locks   = map[string]*sync.Mutex{}
)

// Lock takes the process-wide mutex of path, blocking until it is free,
// and returns the function that releases it.
func Lock(path string) (unlock func(), err error) {
	locksMu.Lock()
	m, ok := locks[path]
	if !ok {
		m = &sync.Mutex{}
		locks[path] = m
	}
	locksMu.Unlock()
	m.Lock()
	return m.Unlock, nil
}
