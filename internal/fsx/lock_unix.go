//go:build unix && !forcelockfallback

package fsx

import (
	"os"
	"syscall"
)

// Lock takes an exclusive flock on path (created 0600), blocking until it
// is free, and returns the function that releases it. The kernel drops the
// lock if the process dies, so a crash never leaves a stale lock.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing releases it anyway
		f.Close()
	}, nil
}
