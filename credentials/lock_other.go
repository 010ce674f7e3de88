//go:build !unix

package credentials

import "sync"

// Without flock (Windows), the lock only serialises this process. Two
// servers onboarding one profile at the same instant could then make two
// accounts; LockFileEx would close that gap.
var processLock sync.Mutex

func lockFile(string) (func(), error) {
	processLock.Lock()
	return processLock.Unlock, nil
}
