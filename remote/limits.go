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

	mu sync.Mutex
	w  map[string]window
}

type window struct {
	sec int64
	n   int
}

func (m *MemoryRate) Allow(_ context.Context, tenant string) (bool, time.Duration, error) {
	if m.PerSecond <= 0 {
		return true, 0, nil
	}
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	sec := now.Unix()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.w == nil || len(m.w) > 100000 {
		m.w = map[string]window{}
	}
	w := m.w[tenant]
	if w.sec != sec {
		w = window{sec: sec}
	}
	w.n++
	m.w[tenant] = w
	if w.n > m.PerSecond {
		return false, time.Unix(sec+1, 0).Sub(now), nil
	}
	return true, 0, nil
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
