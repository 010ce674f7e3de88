package remote

import (
	"context"
	"sync"
	"time"
)

// RateLimiter answers whether a tenant may make one more request now, and
// if not, when to retry.
type RateLimiter interface {
	Allow(ctx context.Context, tenant string) (ok bool, retryAfter time.Duration, err error)
}

// MemoryRate is a per-replica fixed one-second window: with N replicas
// behind a balancer a tenant gets up to N times the rate (deploy/README.md).
type MemoryRate struct {
	PerSecond int
	Now       func() time.Time

	w fixedWindows
}

func (m *MemoryRate) Allow(_ context.Context, tenant string) (bool, time.Duration, error) {
	if m.PerSecond <= 0 {
		return true, 0, nil
	}
	ok, after := m.w.take(tenant, now(m.Now), time.Second, m.PerSecond)
	return ok, after, nil
}

// Mints bounds the JWT mints a tenant's clients make on this replica: a
// PIN header that changes on every request (each PIN its own client) or a
// wrong one (each call mints again) would otherwise make every request a
// mint, and the HQ counts those against the replica's one address, which
// every tenant shares. A client mints once per token lifetime; PerMinute
// (default DefaultMints) leaves room for a few PIN changes.
type Mints struct {
	PerMinute int
	Now       func() time.Time

	w fixedWindows
}

// DefaultMints is the mints a tenant may make per minute on one replica.
const DefaultMints = 6

// Allow takes one mint for tenant, or says when one frees.
func (m *Mints) Allow(tenant string) (ok bool, retryAfter time.Duration) {
	max := m.PerMinute
	if max == 0 {
		max = DefaultMints
	}
	return m.w.take(tenant, now(m.Now), time.Minute, max)
}

func now(clock func() time.Time) time.Time {
	if clock != nil {
		return clock()
	}
	return time.Now()
}

// fixedWindows counts events per key in fixed windows.
type fixedWindows struct {
	mu sync.Mutex
	w  map[string]window
}

type window struct {
	start int64 // the window's number since the epoch
	n     int
}

// take counts one event for key, and says whether it is within max for
// the window of length per that holds now, or when the next one starts.
func (f *fixedWindows) take(key string, now time.Time, per time.Duration, max int) (bool, time.Duration) {
	num := now.UnixNano() / int64(per)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.w == nil || len(f.w) > 100000 {
		f.w = map[string]window{}
	}
	w := f.w[key]
	if w.start != num {
		w = window{start: num}
	}
	w.n++
	f.w[key] = w
	if w.n > max {
		return false, time.Unix(0, (num+1)*int64(per)).Sub(now)
	}
	return true, 0
}

// Concurrency bounds the calls a tenant has in flight on this replica.
type Concurrency struct {
	Max int

	mu sync.Mutex
	n  map[string]int
}

// Acquire takes a slot, or says no at once (a waiting call would hold a
// connection the other tenants need); release gives it back.
func (c *Concurrency) Acquire(tenant string) (release func(), ok bool) {
	if c.Max <= 0 {
		return func() {}, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	if c.n[tenant] >= c.Max {
		return nil, false
	}
	c.n[tenant]++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.n[tenant]--; c.n[tenant] <= 0 {
				delete(c.n, tenant)
			}
		})
	}, true
}
