package remote

import (
	"net/netip"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/oauth"
)

// Strangers bounds what callers nobody has vouched for cost the HQ, per
// client address: a key this replica has not seen accepted is checked with
// the HQ only while the address has fewer than Max keys refused (or being
// checked) in the current Window. Past that, its unknown keys are answered
// 429 without asking: made-up keys by the thousand cost a handful of HQ
// calls, and known tenants, from the same address too, are not counted.
// Counting refusals rather than checks lets a platform with many real
// tenants behind one address (re)validate them all: only the checks in
// flight count against it.
type Strangers struct {
	Max    int           // refused or in-flight checks per address and window (default DefaultStrangers)
	Window time.Duration // default a minute
	Now    func() time.Time

	mu sync.Mutex
	by map[netip.Prefix]*strangerCount
}

// DefaultStrangers is --unknown-keys-per-address' default.
const DefaultStrangers = 20

// maxStrangerAddresses bounds the table: addresses beyond it push out
// the others (whose counts start again), never a known tenant.
const maxStrangerAddresses = 10_000

type strangerCount struct {
	start             time.Time
	refused, checking int
}

func (s *Strangers) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Begin asks to check one unknown key from addr with the HQ. When ok,
// done must be called with whether the HQ refused the key (or left it
// unknown: an error counts as neither). When not, retryAfter says when
// the address may try again.
func (s *Strangers) Begin(addr string) (done func(refused bool), retryAfter time.Duration, ok bool) {
	max, window := s.Max, s.Window
	if max < 0 {
		return func(bool) {}, 0, true
	}
	if max == 0 {
		max = DefaultStrangers
	}
	if window <= 0 {
		window = time.Minute
	}
	key := oauth.AddressKey(addr)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.by == nil {
		s.by = map[netip.Prefix]*strangerCount{}
	}
	c := s.by[key]
	if c == nil {
		s.makeRoom(now, window)
		c = &strangerCount{start: now}
		s.by[key] = c
	}
	if now.Sub(c.start) >= window {
		c.start, c.refused = now, 0 // checks in flight carry over
	}
	if c.refused+c.checking >= max {
		after := c.start.Add(window).Sub(now)
		if c.refused < max { // only checks in flight: they end in a round trip
			after = time.Second
		}
		return nil, after, false
	}
	c.checking++
	var once sync.Once
	return func(refused bool) {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			c.checking--
			if refused {
				c.refused++
			}
		})
	}, 0, true
}

// makeRoom keeps the table under its bound: expired counts go first, then
// any. Called with mu held.
func (s *Strangers) makeRoom(now time.Time, window time.Duration) {
	if len(s.by) < maxStrangerAddresses {
		return
	}
	for k, c := range s.by {
		if c.checking == 0 && now.Sub(c.start) >= window {
			delete(s.by, k)
		}
	}
	for k, c := range s.by {
		if len(s.by) < maxStrangerAddresses {
			return
		}
		if c.checking == 0 {
			delete(s.by, k)
		}
	}
}
