package oauth

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"
)

// Store keeps the server's state: sign-in flows, registered clients,
// grants (with their code, refresh tokens and access tokens) and rate
// counters, each under a key with a time to live. Values are sealed
// records; the store never sees a secret in the clear. RedisStore shares
// them between replicas; MemoryStore keeps them in one process.
type Store interface {
	Put(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Get returns ErrNotFound for a key absent or expired.
	Get(ctx context.Context, key string) ([]byte, error)
	// Take is Get and delete in one step: of two takers, one gets it.
	Take(ctx context.Context, key string) ([]byte, error)
	// Swap replaces old with val only if the key still holds old (the
	// grant's state transitions: a code redeemed, a refresh token rotated,
	// each at most once across replicas).
	Swap(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error)
	Del(ctx context.Context, key string) error
	// Incr adds one to a counter that lives for window from its first
	// increment, and returns the new count.
	Incr(ctx context.Context, key string, window time.Duration) (int64, error)
	// Count is a counter's value (0 when absent).
	Count(ctx context.Context, key string) (int64, error)
}

// ErrNotFound: no such key, or it expired.
var ErrNotFound = errors.New("not found")

// MemoryStore is a Store in this process: with one replica it is all the
// server needs; with several, a grant made on one is unknown to the others
// and a restart forgets every grant (the server says so at start).
type MemoryStore struct {
	Now func() time.Time

	mu sync.Mutex
	m  map[string]memItem
	n  int // writes since the last sweep
}

type memItem struct {
	val   []byte
	count int64
	until time.Time
}

func (s *MemoryStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// get is the live item, with s.mu held.
func (s *MemoryStore) get(key string) (memItem, bool) {
	it, ok := s.m[key]
	if ok && !s.now().Before(it.until) {
		delete(s.m, key)
		return memItem{}, false
	}
	return it, ok
}

// set stores it, sweeping expired items now and then so the map stays
// bounded by what is live.
func (s *MemoryStore) set(key string, it memItem) {
	if s.m == nil {
		s.m = map[string]memItem{}
	}
	s.m[key] = it
	if s.n++; s.n > 1000 && s.n > len(s.m) {
		now := s.now()
		for k, v := range s.m {
			if !now.Before(v.until) {
				delete(s.m, k)
			}
		}
		s.n = 0
	}
}

func (s *MemoryStore) Put(_ context.Context, key string, val []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set(key, memItem{val: bytes.Clone(val), until: s.now().Add(ttl)})
	return nil
}

func (s *MemoryStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.get(key)
	if !ok || it.val == nil {
		return nil, ErrNotFound
	}
	return bytes.Clone(it.val), nil
}

func (s *MemoryStore) Take(ctx context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.get(key)
	if !ok || it.val == nil {
		return nil, ErrNotFound
	}
	delete(s.m, key)
	return it.val, nil
}

func (s *MemoryStore) Swap(_ context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.get(key)
	if !ok || !bytes.Equal(it.val, old) {
		return false, nil
	}
	s.set(key, memItem{val: bytes.Clone(val), until: s.now().Add(ttl)})
	return true, nil
}

func (s *MemoryStore) Del(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

func (s *MemoryStore) Incr(_ context.Context, key string, window time.Duration) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.get(key)
	if !ok {
		it = memItem{until: s.now().Add(window)}
	}
	it.count++
	s.set(key, it)
	return it.count, nil
}

func (s *MemoryStore) Count(_ context.Context, key string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, _ := s.get(key)
	return it.count, nil
}
