package hqclient_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// faults wraps the sandbox: for matching requests it misbehaves on the first
// attempt of each Idempotency-Key, then lets retries through.
type faults struct {
	mu    sync.Mutex
	seen  map[string]int // attempts per key
	match func(*http.Request) bool
	// mode: "drop" runs the request (it commits) and then closes the
	// connection without an answer; "503" and "429" answer without running it.
	mode string
}

func (f *faults) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if !f.match(r) || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		f.seen[key]++
		first := f.seen[key] == 1
		f.mu.Unlock()
		if !first {
			next.ServeHTTP(w, r)
			return
		}
		switch f.mode {
		case "drop":
			next.ServeHTTP(httptest.NewRecorder(), r) // committed, answer lost
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		case "503":
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":"temporarily unavailable"}`)
		case "429":
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"code":"rate_limited","message":"slow down"}}`)
		}
	})
}

func newFaults(mode string, match func(*http.Request) bool) *faults {
	return &faults{seen: map[string]int{}, match: match, mode: mode}
}

func path(p string) func(*http.Request) bool {
	return func(r *http.Request) bool { return r.URL.Path == p }
}

// TestRetriedTopUpsCountOnce: whatever the first attempt suffers, N top-ups
// add exactly N × amount, because every retry carries the first key.
func TestRetriedTopUpsCountOnce(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"drop", "503", "429"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			f := newFaults(mode, path("/hq/billing/topup"))
			e := newEnv(t, sandbox.Options{}, f.wrap)
			c, _, _ := e.agent("retry-" + mode)
			if _, err := c.ConfirmPaymentSetup(context.Background(), "pm_card_visa"); err != nil {
				t.Fatal(err)
			}
			const n, amount = 7, 125
			replayed := 0
			for i := 0; i < n; i++ {
				r, err := c.TopUp(context.Background(), amount)
				if err != nil {
					t.Fatalf("top-up %d: %v", i, err)
				}
				// net/http's Transport itself re-sends a request that has an
				// Idempotency-Key when the connection drops, so a drop may cost
				// our loop no attempt; the server-side count below is the proof.
				if mode != "drop" && r.Attempts != 2 {
					t.Fatalf("top-up %d took %d attempts, want 2", i, r.Attempts)
				}
				if r.Replayed {
					replayed++
				}
			}
			b, _ := c.Balance(context.Background())
			l := e.ledger()
			if b.Data.BalanceCents != n*amount || l["topups"] != n || l["topups_cents"] != n*amount {
				t.Fatalf("balance %d, ledger %v: want %d top-ups of %d", b.Data.BalanceCents, l, n, amount)
			}
			// Only a dropped answer is replayed: the others never reached the sandbox.
			if want := map[string]int{"drop": n}[mode]; replayed != want {
				t.Fatalf("replayed %d, want %d", replayed, want)
			}
			f.mu.Lock()
			for key, seen := range f.seen {
				if seen != 2 {
					t.Fatalf("key %s reached the server %d times, want 2", key, seen)
				}
			}
			f.mu.Unlock()
			if mode == "429" {
				e.mu.Lock()
				defer e.mu.Unlock()
				for _, s := range e.sleeps {
					if s != 2*time.Second {
						t.Fatalf("waited %v, want Retry-After's 2s", s)
					}
				}
			}
		})
	}
}

// TestRetriedAgentCreateMakesOneAccount: the answer with the PIN is lost, the
// retry gets the same account back, and the sandbox holds one.
func TestRetriedAgentCreateMakesOneAccount(t *testing.T) {
	t.Parallel()
	f := newFaults("drop", path("/hq/account/agent/create"))
	e := newEnv(t, sandbox.Options{}, f.wrap)
	a, err := e.client(nil).CreateAgent(context.Background(), "once")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Replayed || a.Data.PIN == "" {
		t.Fatalf("create: replayed=%v", a.Replayed)
	}
	if l := e.ledger(); l["agents"] != 1 {
		t.Fatalf("ledger: %v", l)
	}
	// The replayed PIN is the account's: it mints a token.
	if _, err := e.client(nil).AgentToken(context.Background(), a.Data.PIN); err != nil {
		t.Fatal(err)
	}
}

// TestIdempotencyKeyReuse: the same key with another body is 422, with the
// same body a replay marked as such (and told to OnReplay's function).
func TestIdempotencyKeyReuse(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	c, _, _ := e.agent("idem")
	e.fund(c, 100)
	noticed := 0
	ctx := hqclient.OnReplay(hqclient.WithIdempotencyKey(context.Background(), "idem_fixed_key"), func() { noticed++ })
	first, err := c.TopUp(ctx, 300)
	if err != nil || first.Replayed || noticed != 0 {
		t.Fatalf("first: %+v %v", first, err)
	}
	again, err := c.TopUp(ctx, 300)
	if err != nil || !again.Replayed || !bytes.Equal(again.Raw, first.Raw) || noticed != 1 {
		t.Fatalf("replay: %+v %v (noticed %d)", again, err, noticed)
	}
	_, err = c.TopUp(ctx, 301)
	wantErr(t, err, 422, "idempotency_key_reused")
	if b, _ := c.Balance(context.Background()); b.Data.BalanceCents != 400 {
		t.Fatalf("balance %d, want 400", b.Data.BalanceCents)
	}
}

// TestRateLimit: a tight limit answers 429 with Retry-After, which the client
// honours (the injected sleep records it) before its last attempt fails too.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	// The sandbox clock stands still, so the bucket (per credential) never refills.
	e := newEnv(t, sandbox.Options{RateLimit: 1, RateBurst: 2})
	c, _, _ := e.agent("limited")
	for i := 0; i < 2; i++ {
		if _, err := c.ListOrgs(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.ListOrgs(context.Background())
	he := wantErr(t, err, 429, "rate_limited")
	if he.Attempts != 3 || he.RetryAfter != time.Second {
		t.Fatalf("429: %+v", he)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.sleeps) != 2 || e.sleeps[0] != time.Second {
		t.Fatalf("sleeps %v", e.sleeps)
	}
}

// TestRawProtocol covers what the typed client never sends: oversized and
// malformed bodies, unknown routes, and the request id on every answer.
func TestRawProtocol(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	_, _, a := e.agent("raw")
	cases := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"over 1 MiB", "POST", "/hq/account/agent/create", `{"label":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "body_too_large"},
		{"malformed", "POST", "/hq/account/agent/create", `{"label":`, 400, "malformed_json"},
		{"wrong type", "POST", "/hq/billing/topup", `{"amount_cents":"ten"}`, 400, "invalid_field"},
		{"fraction", "POST", "/hq/billing/topup", `{"amount_cents":10.5}`, 400, "invalid_field"},
		{"unknown field", "POST", "/hq/account/agent/create", `{"lable":"typo"}`, 400, "unknown_field"},
		{"no route", "GET", "/hq/nope", ``, 404, "not_found"},
		{"no auth", "GET", "/hq/billing/balance", ``, 401, "missing_credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, e.srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.path == "/hq/billing/topup" {
				req.Header.Set("Authorization", "Bearer "+a.Token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var buf bytes.Buffer
			buf.ReadFrom(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(buf.String(), `"code":"`+tc.code+`"`) || resp.Header.Get("X-Request-Id") == "" {
				t.Fatalf("%d %s (request id %q)", resp.StatusCode, buf.String(), resp.Header.Get("X-Request-Id"))
			}
		})
	}
}
