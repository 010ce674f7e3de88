package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

// fakeHQ accepts the keys named good*, and counts the checks and mints.
type fakeHQ struct {
	*httptest.Server
	checks, mints atomic.Int32
}

func newFakeHQ(t *testing.T) *fakeHQ {
	t.Helper()
	h := &fakeHQ{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hq/account/agent/token":
			h.mints.Add(1)
			w.Write([]byte(`{"token":"eyJ0.eyJ0.sig","expires_in":900}`))
		case "/hq/billing/balance":
			w.Write([]byte(`{"balance_cents":0}`))
		default:
			h.checks.Add(1)
			if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer good") {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte(`[]`))
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *fakeHQ) tenants(now *time.Time) *Tenants {
	clock := func() time.Time { return *now }
	return &Tenants{Now: clock, Strangers: &Strangers{Max: 3, Now: clock}, Mints: &Mints{PerMinute: 2, Now: clock},
		NewClient: func(c hqclient.Credentials) (*hqclient.Client, error) {
			return hqclient.New(hqclient.Options{BaseURL: h.URL, Credentials: c, MaxAttempts: 1})
		}}
}

// TestStrangersCostBoundedChecks: made-up keys from one address cost the
// HQ three checks a minute; then 429 with when to retry. A known tenant
// from that address, and a new real one from another, are unaffected.
func TestStrangersCostBoundedChecks(t *testing.T) {
	t.Parallel()
	hq := newFakeHQ(t)
	now := time.Unix(1000, 0)
	ts := hq.tenants(&now)
	ctx := context.Background()
	if _, err := ts.Resolve(ctx, "good-alice", "", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	limited := 0
	for i := range 50 {
		_, err := ts.Resolve(ctx, fmt.Sprintf("made-up-%d", i), "", "192.0.2.1")
		var se *StrangerError
		switch {
		case errors.As(err, &se):
			limited++
			if se.RetryAfter <= 0 || se.RetryAfter > time.Minute {
				t.Fatalf("retry after %v", se.RetryAfter)
			}
		case !errors.Is(err, ErrBadCredentials):
			t.Fatalf("made-up key %d: %v", i, err)
		}
	}
	if got := hq.checks.Load(); got != 1+3 || limited != 47 {
		t.Fatalf("%d checks, %d limited", got, limited)
	}
	now = now.Add(2 * time.Minute) // alice's acceptance needs checking again: she is no stranger
	if _, err := ts.Resolve(ctx, "good-alice", "", "192.0.2.1"); err != nil {
		t.Fatalf("alice from the flooding address: %v", err)
	}
	if _, err := ts.Resolve(ctx, "good-bob", "", "2001:db8::1"); err != nil {
		t.Fatalf("bob from another address: %v", err)
	}
	// Another address of the same IPv6 /64 shares its count.
	for i := range 4 {
		ts.Resolve(ctx, fmt.Sprintf("made-up-v6-%d", i), "", fmt.Sprintf("2001:db8::%x", 100+i))
	}
	var se *StrangerError
	if _, err := ts.Resolve(ctx, "made-up-v6-x", "", "2001:db8::ffff"); !errors.As(err, &se) {
		t.Fatalf("a /64 is one address: %v", err)
	}
}

// TestMadeUpKeysNeverEvictATenant: a refused key never enters the client
// cache, so a flood of them leaves a tenant's client (and its token) in
// place; a key refused is answered from a bounded set, without the HQ.
func TestMadeUpKeysNeverEvictATenant(t *testing.T) {
	t.Parallel()
	hq := newFakeHQ(t)
	now := time.Unix(1000, 0)
	ts := hq.tenants(&now)
	ts.Max, ts.Strangers = 5, nil
	ctx := context.Background()
	a, _ := ts.Resolve(ctx, "good-alice", "", "192.0.2.1")
	for i := range maxRefused + 100 {
		ts.Resolve(ctx, fmt.Sprintf("made-up-%d", i), "", "192.0.2.1")
	}
	a2, err := ts.Resolve(ctx, "good-alice", "", "192.0.2.1")
	if err != nil || a2.Client() != a.Client() || ts.Len() != 1 {
		t.Fatalf("alice's client replaced (%v), %d kept", err, ts.Len())
	}
	if len(ts.refused) > maxRefused {
		t.Fatalf("%d refusals kept", len(ts.refused))
	}
	before := hq.checks.Load()
	ts.Resolve(ctx, fmt.Sprintf("made-up-%d", maxRefused+99), "", "192.0.2.1")
	if hq.checks.Load() != before {
		t.Fatal("a key just refused was checked again")
	}
}

// TestChangingPINsAreBounded: a key holds at most maxPINsPerKey clients
// (the PIN in use stays), and its mints are bounded per minute; another
// tenant's client is untouched.
func TestChangingPINsAreBounded(t *testing.T) {
	t.Parallel()
	hq := newFakeHQ(t)
	now := time.Unix(1000, 0)
	ts := hq.tenants(&now)
	ctx := context.Background()
	bob, _ := ts.Resolve(ctx, "good-bob", "pin-bob", "192.0.2.2")
	right, _ := ts.Resolve(ctx, "good-alice", "pin-right", "192.0.2.1")
	if _, err := right.Client().Balance(ctx); err != nil {
		t.Fatal(err)
	}
	var limitedMints int
	for i := range 20 {
		tn, err := ts.Resolve(ctx, "good-alice", fmt.Sprintf("pin-%d", i), "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		_, err = tn.Client().Balance(ctx)
		if e, ok := hqclient.AsError(err); ok && e.Code == CodeMintLimited && e.Status == http.StatusTooManyRequests {
			limitedMints++
		}
		now = now.Add(time.Millisecond)
		ts.Resolve(ctx, "good-alice", "pin-right", "192.0.2.1") // the client in use
	}
	if got := hq.mints.Load(); got != 2 || limitedMints != 19 {
		t.Fatalf("%d mints, %d limited, for 1 + 20 PINs", got, limitedMints)
	}
	if again, _ := ts.Resolve(ctx, "good-alice", "pin-right", "192.0.2.1"); again.Client() != right.Client() {
		t.Fatal("the PIN in use lost its client")
	}
	if again, _ := ts.Resolve(ctx, "good-bob", "pin-bob", "192.0.2.2"); again.Client() != bob.Client() {
		t.Fatal("another tenant lost its client")
	}
	if ts.Len() != 1+maxPINsPerKey {
		t.Fatalf("%d clients kept", ts.Len())
	}
}
