// Package budget enforces a spending limit over a rolling window (24 hours
// by default) for one profile on one service. Every charge is reserved
// before the request that may spend it, in a ledger file shared by every
// server process of that profile, so concurrent calls and restarts can't
// overshoot. It does no HTTP and knows no MCP.
package budget

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/fsx"
	"github.com/myapihq/myapihq-mcp/internal/money"
	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// ErrExceeded is wrapped by every refusal for lack of room.
var ErrExceeded = errors.New("spending budget exceeded")

// ExceededError says how much was asked, spent and allowed, and when the
// oldest charge leaves the window.
type ExceededError struct {
	Want, Spent, Limit int64
	Window             time.Duration
	RoomAt             time.Time // zero when no charge ageing out makes room
}

func (e *ExceededError) Error() string {
	msg := fmt.Sprintf("spending budget exceeded: this needs %s, %s of %s spent in the last %s",
		money.Dollars(e.Want), money.Dollars(e.Spent), money.Dollars(e.Limit), window(e.Window))
	if !e.RoomAt.IsZero() {
		msg += "; room frees at " + e.RoomAt.UTC().Format(time.RFC3339)
	}
	return msg
}

func (e *ExceededError) Unwrap() error { return ErrExceeded }

func window(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

// DefaultLimit is $100.00; DefaultWindow a rolling 24 hours.
const (
	DefaultLimit  = 10000
	DefaultWindow = 24 * time.Hour
)

// Options configure a Budget.
type Options struct {
	// Path is the ledger file (created 0600 in a 0700 folder); "" keeps the
	// ledger in memory only (tests, the multi-tenant mode).
	Path   string
	Limit  int64         // cents; DefaultLimit when <= 0
	Window time.Duration // DefaultWindow when <= 0
	Now    func() time.Time
}

// Budget is safe for concurrent use, and across processes sharing Path.
type Budget struct {
	opts Options
	mu   sync.Mutex // orders this process's ledger edits; the file lock orders processes
	mem  ledger     // the ledger when Path is ""
}

type entry struct {
	ID    string    `json:"id"`
	At    time.Time `json:"at"`
	Cents int64     `json:"cents"`
}

type ledger struct {
	Version int     `json:"version"`
	Entries []entry `json:"entries"`
}

// Open makes a Budget; it reads nothing until the first call.
func Open(o Options) *Budget {
	if o.Limit <= 0 {
		o.Limit = DefaultLimit
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Budget{opts: o}
}

// Limit is the budget's limit in cents.
func (b *Budget) Limit() int64 { return b.opts.Limit }

// Status is what the window holds now.
type Status struct {
	Spent, Limit, Left int64
	Window             time.Duration
	RoomAt             time.Time // when the oldest charge leaves the window; zero if none
}

// Status reads the ledger. It takes no file lock: writers replace it by
// rename (writeAtomic), so a read sees one whole version, and get_balance,
// which shows the budget on every call, neither waits for another server's
// reservation nor pays the lock's syscalls (docs/benchmarks.md).
func (b *Budget) Status(ctx context.Context) (Status, error) {
	if err := ctx.Err(); err != nil {
		return Status{}, err
	}
	if b.opts.Path == "" {
		var st Status
		err := b.edit(ctx, false, func(l *ledger, now time.Time) error {
			st = b.status(l, now)
			return nil
		})
		return st, err
	}
	// This process's own writes are still ordered by b.mu: on Windows a
	// rename fails over a file another handle has open.
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.opts.Now()
	l, err := read(b.opts.Path)
	if err != nil {
		return Status{}, err
	}
	l.prune(now, b.opts.Window)
	return b.status(&l, now), nil
}

func (b *Budget) status(l *ledger, now time.Time) Status {
	st := Status{Limit: b.opts.Limit, Window: b.opts.Window}
	for _, e := range l.Entries {
		st.Spent += e.Cents
		if st.RoomAt.IsZero() || e.At.Add(b.opts.Window).Before(st.RoomAt) {
			st.RoomAt = e.At.Add(b.opts.Window)
		}
	}
	st.Left = max(st.Limit-st.Spent, 0)
	return st
}

// Hold is a reservation: Commit keeps it as spent (also when the outcome is
// unknown: a charge that may have happened counts), Release gives it back.
type Hold struct {
	b     *Budget
	id    string
	cents int64
	once  sync.Once
}

// Cents is what the hold reserves.
func (h *Hold) Cents() int64 { return h.cents }

// Commit keeps the charge in the ledger; it is already written, so this
// only ends the hold.
func (h *Hold) Commit() error {
	h.once.Do(func() {})
	return nil
}

// Release removes the charge: the request surely did not spend it.
func (h *Hold) Release() error {
	var err error
	h.once.Do(func() {
		err = h.b.edit(context.Background(), true, func(l *ledger, _ time.Time) error {
			for i, e := range l.Entries {
				if e.ID == h.id {
					l.Entries = append(l.Entries[:i], l.Entries[i+1:]...)
					break
				}
			}
			return nil
		})
	})
	return err
}

// Reserve writes a charge of cents into the ledger, or refuses with an
// *ExceededError when the window has no room for it. The charge counts
// from now until it is released or leaves the window: a server that dies
// between the reservation and the answer errs on the side of the user.
func (b *Budget) Reserve(ctx context.Context, cents int64) (*Hold, error) {
	if cents < 0 {
		return nil, fmt.Errorf("budget: negative charge %d", cents)
	}
	h := &Hold{b: b, id: randid.Hex(12), cents: cents}
	if cents == 0 {
		return h, nil
	}
	err := b.edit(ctx, true, func(l *ledger, now time.Time) error {
		st := b.status(l, now)
		if st.Spent+cents > st.Limit {
			e := &ExceededError{Want: cents, Spent: st.Spent, Limit: st.Limit, Window: b.opts.Window}
			// Room for this charge frees when enough old charges age out.
			need := st.Spent + cents - st.Limit
			if cents <= st.Limit {
				for _, en := range sortedByAt(l.Entries) {
					need -= en.Cents
					if need <= 0 {
						e.RoomAt = en.At.Add(b.opts.Window)
						break
					}
				}
			}
			return e
		}
		l.Entries = append(l.Entries, entry{ID: h.id, At: now, Cents: cents})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

func sortedByAt(es []entry) []entry {
	out := slices.Clone(es)
	slices.SortStableFunc(out, func(a, b entry) int { return a.At.Compare(b.At) })
	return out
}

// edit runs f on the ledger with old entries pruned, under the process
// mutex and, for a file ledger, the file's lock; it writes the ledger back
// when write is set and f succeeded.
func (b *Budget) edit(ctx context.Context, write bool, f func(l *ledger, now time.Time) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.opts.Now()
	if b.opts.Path == "" {
		b.mem.prune(now, b.opts.Window)
		return f(&b.mem, now)
	}
	if err := os.MkdirAll(filepath.Dir(b.opts.Path), 0o700); err != nil {
		return fmt.Errorf("budget ledger folder: %w", err)
	}
	// Without flock (Windows) this orders only this process, so two servers
	// of one profile there can each spend up to the limit.
	unlock, err := fsx.Lock(b.opts.Path + ".lock")
	if err != nil {
		return fmt.Errorf("budget ledger lock: %w", err)
	}
	defer unlock()
	l, err := read(b.opts.Path)
	if err != nil {
		return err
	}
	l.prune(now, b.opts.Window)
	if err := f(&l, now); err != nil {
		return err
	}
	if !write {
		return nil
	}
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return fsx.WriteFileAtomic(b.opts.Path, data, 0o600)
}

func (l *ledger) prune(now time.Time, w time.Duration) {
	kept := l.Entries[:0]
	for _, e := range l.Entries {
		if now.Sub(e.At) < w {
			kept = append(kept, e)
		}
	}
	l.Entries = kept
}

// read loads the ledger. A corrupt ledger is an error that names the file:
// guessing "nothing spent" would reopen the budget to a model.
func read(path string) (ledger, error) {
	l := ledger{Version: 1}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("budget ledger %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return l, fmt.Errorf("budget ledger %s is corrupt (%v): delete it to reset the spending window", path, err)
	}
	return l, nil
}
