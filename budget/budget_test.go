package budget

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newClock() *clock { return &clock{t: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)} }

func TestReserveRefusesPastTheLimitAndSaysWhenRoomFrees(t *testing.T) {
	t.Parallel()
	c := newClock()
	b := Open(Options{Limit: 10000, Now: c.now})
	ctx := context.Background()
	if _, err := b.Reserve(ctx, 6000); err != nil {
		t.Fatal(err)
	}
	c.add(time.Hour)
	if _, err := b.Reserve(ctx, 3000); err != nil {
		t.Fatal(err)
	}
	_, err := b.Reserve(ctx, 2000)
	var ee *ExceededError
	if !errors.As(err, &ee) || !errors.Is(err, ErrExceeded) {
		t.Fatalf("want ExceededError, got %v", err)
	}
	if ee.Spent != 9000 || ee.Limit != 10000 || ee.Want != 2000 {
		t.Fatalf("error fields: %+v", ee)
	}
	// Room for $20 frees when the $60 charge leaves the window.
	if want := c.now().Add(-time.Hour).Add(DefaultWindow); !ee.RoomAt.Equal(want) {
		t.Fatalf("room at %v, want %v", ee.RoomAt, want)
	}
	if got := err.Error(); got != "spending budget exceeded: this needs $20.00, $90.00 of $100.00 spent in the last 24 hours; room frees at 2026-11-30T12:00:00Z" {
		t.Fatalf("message: %s", got)
	}
	c.add(23 * time.Hour) // the first charge is now 24 h old
	if _, err := b.Reserve(ctx, 2000); err != nil {
		t.Fatalf("after the window rolled: %v", err)
	}
	st, _ := b.Status(ctx)
	if st.Spent != 5000 || st.Left != 5000 {
		t.Fatalf("status %+v", st)
	}
}

func TestReleaseGivesTheRoomBackAndCommitKeepsIt(t *testing.T) {
	t.Parallel()
	b := Open(Options{Limit: 1000, Path: filepath.Join(t.TempDir(), "spend.json")})
	ctx := context.Background()
	h, err := b.Reserve(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reserve(ctx, 1); !errors.Is(err, ErrExceeded) {
		t.Fatalf("the hold counts while pending: %v", err)
	}
	if err := h.Release(); err != nil {
		t.Fatal(err)
	}
	h2, err := b.Reserve(ctx, 1000)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	h2.Commit()
	h2.Release() // a hold ends once: Release after Commit changes nothing
	if st, _ := b.Status(ctx); st.Spent != 1000 {
		t.Fatalf("spent %d", st.Spent)
	}
}

// A restart must not reset the window: the ledger is on disk, 0600.
func TestLedgerSurvivesReopenAndIsPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "deep", "spend.json")
	c := newClock()
	ctx := context.Background()
	if _, err := Open(Options{Path: path, Now: c.now}).Reserve(ctx, 9999); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(Options{Path: path, Now: c.now}).Reserve(ctx, 2); !errors.Is(err, ErrExceeded) {
		t.Fatalf("a new process must see the old charge: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("ledger mode %v %v", fi.Mode(), err)
	}
	di, _ := os.Stat(filepath.Dir(path))
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v", di.Mode())
	}
}

func TestCorruptLedgerIsAnErrorNamingTheFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "spend.json")
	os.WriteFile(path, []byte("{not json"), 0o600)
	_, err := Open(Options{Path: path}).Reserve(context.Background(), 1)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "delete it") {
		t.Fatalf("want an error naming %s and the way out, got %v", path, err)
	}
}

// 40 concurrent $50 reservations against $100: exactly two succeed.
func TestConcurrentReservesCannotOvershoot(t *testing.T) {
	t.Parallel()
	b := Open(Options{Limit: 10000, Path: filepath.Join(t.TempDir(), "spend.json")})
	var okN atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.Reserve(context.Background(), 5000); err == nil {
				okN.Add(1)
			} else if !errors.Is(err, ErrExceeded) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if okN.Load() != 2 {
		t.Fatalf("%d reservations of $50 passed a $100 budget", okN.Load())
	}
}

// Two processes on one ledger: the file lock, not the process mutex, is
// what keeps them within the limit.
func TestProcessesShareTheLimit(t *testing.T) {
	if os.Getenv("BUDGET_CHILD") != "" {
		t.Skip("child")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "spend.json")
	const procs, each = 4, 10
	var wg sync.WaitGroup
	outs := make([][]byte, procs)
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^TestChildReserves$", "-test.count=1")
			cmd.Env = append(os.Environ(), "BUDGET_CHILD="+path, "BUDGET_N="+strconv.Itoa(each))
			outs[i], _ = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	total := 0
	for _, o := range outs {
		var n int
		if _, err := fmt.Sscanf(lastLine(string(o)), "reserved %d", &n); err != nil {
			t.Fatalf("child output: %s", o)
		}
		total += n
	}
	// $100 in $5 reservations: 20 of the 40 attempts fit.
	if total != 20 {
		t.Fatalf("processes reserved %d × $5 against a $100 budget", total)
	}
}

func TestChildReserves(t *testing.T) {
	path := os.Getenv("BUDGET_CHILD")
	if path == "" {
		t.Skip("run by TestProcessesShareTheLimit")
	}
	n, _ := strconv.Atoi(os.Getenv("BUDGET_N"))
	b := Open(Options{Path: path})
	got := 0
	for range n {
		if _, err := b.Reserve(context.Background(), 500); err == nil {
			got++
		}
	}
	fmt.Printf("\nreserved %d\n", got)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "reserved ") {
			return lines[i]
		}
	}
	return ""
}
