package fsx

import (
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLockExcludes: holders of one path's lock never overlap. Run it with
// -tags forcelockfallback too, to test the non-unix lock on this machine.
func TestLockExcludes(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				unlock, err := Lock(path)
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				if n > most.Load() {
					most.Store(n)
				}
				runtime.Gosched() // give another holder the chance to overlap
				if n := inside.Load(); n > most.Load() {
					most.Store(n)
				}
				inside.Add(-1)
				unlock()
			}
		}()
	}
	wg.Wait()
	if m := most.Load(); m != 1 {
		t.Fatalf("%d holders at once", m)
	}
}

// TestLockTwoPathsNest: holding one path's lock while taking another's
// must not deadlock (the non-unix lock once had one mutex for all paths).
func TestLockTwoPathsNest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() {
		outer, err := Lock(filepath.Join(dir, "a.lock"))
		if err != nil {
			done <- err
			return
		}
		defer outer()
		inner, err := Lock(filepath.Join(dir, "b.lock"))
		if err == nil {
			inner()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a lock taken under another path's lock deadlocked")
	}
}

// TestUnlockFrees: once released, the lock can be taken again.
func TestUnlockFrees(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.lock")
	for range 3 {
		unlock, err := Lock(path)
		if err != nil {
			t.Fatal(err)
		}
		unlock()
	}
}
