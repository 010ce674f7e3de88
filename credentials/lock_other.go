//go:build !unix || forcelockfallback

package credentials

import "sync"

// Without flock (Windows), the lock only serialises this process. Two
// servers onboarding one profile at the same instant could then make two
// accounts; LockFileEx would close that gap.
//
// One mutex per path: Store.Lock holds the profile's onboarding lock while
// the file store takes its own, so a single mutex would deadlock. Build
// with -tags forcelockfallback to run this code on unix (scripts/test.sh).
var (
	locksMu sync.Mutex
	locks   = map[string]*sync.Mutex{}
)

func lockFile(path string) (func(), error) {
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
