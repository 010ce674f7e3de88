package remote

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

// Copies of the tools package's interfaces (helper "tools" defines them):
// the Redis store must keep these method sets.
type retryStore interface {
	Take(ctx context.Context, client, call string) (key string, err error)
	Keep(ctx context.Context, client, call, key string, ttl time.Duration) error
	Drop(ctx context.Context, client string) error
}
type nonceStore interface {
	Use(ctx context.Context, nonce string, until time.Time) (first bool, err error)
}

var (
	_ retryStore  = (*Redis)(nil)
	_ nonceStore  = (*Redis)(nil)
	_ RateLimiter = (*Redis)(nil)
	_ RateLimiter = (*MemoryRate)(nil)
)

func TestFromRequestRefusesHostileHeaders(t *testing.T) {
	t.Parallel()
	for _, h := range []struct{ auth, pin string }{
		{"", ""}, {"Bearer ", ""}, {"Basic abc", ""}, {"Bearer a b", ""}, {"Bearer a\x01b", ""},
		{"Bearer " + strings.Repeat("k", 513), ""}, {"Bearer key", "p\u202en"}, {"Bearer key", "p in"},
	} {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		r.Header["Authorization"] = []string{h.auth}
		r.Header["X-Myapihq-Agent-Pin"] = []string{h.pin}
		if _, _, err := FromRequest(r); err == nil {
			t.Errorf("accepted Authorization %q PIN %q", h.auth, h.pin)
		}
	}
}

// A tenant's validation is cached by hash, for a while; a refusal too;
// tenants never share a client.
func TestTenantsCacheByHash(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	hq := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "Bearer good" && r.Header.Get("Authorization") != "Bearer good2" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":"invalid_api_key"}`))
			return
		}
		w.Write([]byte(`[]`))
	}))
	defer hq.Close()
	now := time.Unix(1000, 0)
	ts := &Tenants{Now: func() time.Time { return now }, NewClient: func(c hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: hq.URL, Credentials: c, MaxAttempts: 1})
	}}
	ctx := context.Background()
	a, err := ts.Resolve(ctx, "good", "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != Hash("good") || strings.Contains(a.Short(), "good") {
		t.Fatalf("hash %q", a.Hash)
	}
	a2, _ := ts.Resolve(ctx, "good", "", "192.0.2.1")
	b, _ := ts.Resolve(ctx, "good2", "", "192.0.2.1")
	if calls.Load() != 2 || a.Client() != a2.Client() || a.Client() == b.Client() {
		t.Fatalf("calls=%d; same tenant shares its client, tenants never", calls.Load())
	}
	for i := 0; i < 3; i++ {
		if _, err := ts.Resolve(ctx, "bad", "", "192.0.2.1"); err != ErrBadCredentials {
			t.Fatalf("bad key: %v", err)
		}
	}
	if calls.Load() != 3 {
		t.Fatalf("a refused key is asked again at once: %d calls", calls.Load())
	}
	now = now.Add(2 * time.Minute)
	ts.Resolve(ctx, "good", "", "192.0.2.1")
	if calls.Load() != 4 {
		t.Fatalf("validation trusted past its life: %d calls", calls.Load())
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0).Add(400 * time.Millisecond)
	m := &MemoryRate{PerSecond: 2, Now: func() time.Time { return now }}
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if ok, _, _ := m.Allow(ctx, "a"); !ok {
			t.Fatal("under the limit")
		}
	}
	ok, after, _ := m.Allow(ctx, "a")
	if ok || after != 600*time.Millisecond {
		t.Fatalf("over the limit: ok=%v retry after %v", ok, after)
	}
	if ok, _, _ := m.Allow(ctx, "b"); !ok {
		t.Fatal("another tenant is limited by a's calls")
	}
	c := &Concurrency{Max: 1}
	rel, ok := c.Acquire("a")
	if !ok {
		t.Fatal("first slot")
	}
	if _, ok := c.Acquire("a"); ok {
		t.Fatal("second slot")
	}
	if _, ok := c.Acquire("b"); !ok {
		t.Fatal("b starved by a")
	}
	rel()
	rel()
	if _, ok := c.Acquire("a"); !ok {
		t.Fatal("slot not released")
	}
}
