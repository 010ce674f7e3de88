package oauth

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/myapihq/myapihq-mcp/internal/redistest"
)

func startRedis(t *testing.T) *redis.Client { return redistest.Start(t) }

// storeContract is what every Store must do.
func storeContract(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.Get(ctx, "nope"); err != ErrNotFound {
		t.Fatalf("Get absent: %v", err)
	}
	s.Put(ctx, "k", []byte("v1"), time.Minute)
	if ok, _ := s.Swap(ctx, "k", []byte("other"), []byte("v2"), time.Minute); ok {
		t.Fatal("Swap with a stale value won")
	}
	if ok, _ := s.Swap(ctx, "k", []byte("v1"), []byte("v2"), time.Minute); !ok {
		t.Fatal("Swap with the current value lost")
	}
	if v, _ := s.Get(ctx, "k"); string(v) != "v2" {
		t.Fatalf("after Swap: %q", v)
	}
	if v, err := s.Take(ctx, "k"); err != nil || string(v) != "v2" {
		t.Fatalf("Take: %q %v", v, err)
	}
	if _, err := s.Take(ctx, "k"); err != ErrNotFound {
		t.Fatalf("second Take: %v", err)
	}
	for i := 1; i <= 3; i++ {
		if n, _ := s.Incr(ctx, "c", time.Minute); n != int64(i) {
			t.Fatalf("Incr %d: %d", i, n)
		}
	}
	if n, _ := s.Count(ctx, "c"); n != 3 {
		t.Fatalf("Count: %d", n)
	}
	s.Put(ctx, "d", []byte("x"), time.Minute)
	s.Del(ctx, "d")
	if _, err := s.Get(ctx, "d"); err != ErrNotFound {
		t.Fatalf("after Del: %v", err)
	}
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	storeContract(t, &MemoryStore{})
	c := &clock{}
	m := &MemoryStore{Now: c.now}
	m.Put(context.Background(), "short", []byte("x"), time.Second)
	c.advance(2 * time.Second)
	if _, err := m.Get(context.Background(), "short"); err != ErrNotFound {
		t.Fatalf("an expired key: %v", err)
	}
}

func TestRedisStore(t *testing.T) {
	t.Parallel()
	storeContract(t, NewRedisStore(startRedis(t)))
}

// TestReplicasShareGrantsThroughRedis: replicas with one Redis are one
// server: a grant made on one works on the other, and ended on one is
// refused on the other at its next request.
func TestReplicasShareGrantsThroughRedis(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.store = NewRedisStore(startRedis(t))
	r1 := e.server()
	r2 := e.server(func(o *Options) { o.PublicURL = r1.url })
	a := e.register(r1, "Host")
	code := a.signInAsAgent(newBrowser(t), e.agent("redis"), "")
	a2 := *a
	a2.srv = r2
	at, rt := a2.mustExchange(code) // redeemed on the other replica
	if st, _ := call(t, r2, at); st != 200 {
		t.Fatalf("r2: %d", st)
	}
	st, out := a.refresh(rt)
	if st != 200 {
		t.Fatal(out)
	}
	if st, _ := a2.refresh(rt); st != 400 { // the replay lands on r2
		t.Fatalf("replay on r2: %d", st)
	}
	if st, _ := call(t, r1, out["access_token"].(string)); st != 401 {
		t.Fatalf("r1 still accepts the ended family: %d", st)
	}
}
