package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// These tests speak raw HTTP: the sandbox stands for the service and must
// not depend on our client.

type tester struct {
	t   *testing.T
	srv *httptest.Server
	s   *Server
}

func newTester(t *testing.T, opts Options) *tester {
	t.Helper()
	if opts.PasswordIterations == 0 {
		opts.PasswordIterations = 1000
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	return &tester{t: t, srv: srv, s: s}
}

func (tt *tester) do(method, path, bearer string, body any) (int, map[string]any) {
	tt.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, tt.srv.URL+path, rd)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tt.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		var list []any
		if json.Unmarshal(raw, &list) == nil {
			out = map[string]any{"items": list}
		}
	}
	return resp.StatusCode, out
}

// onboard returns a JWT and an API key for a new agent.
func (tt *tester) onboard() (token, key string) {
	tt.t.Helper()
	st, a := tt.do("POST", "/hq/account/agent/create", "", nil)
	if st != 201 {
		tt.t.Fatalf("create: %d %v", st, a)
	}
	token = a["token"].(string)
	st, k := tt.do("POST", "/hq/account/create/key", token, map[string]any{"name": "k"})
	if st != 201 {
		tt.t.Fatalf("key: %d %v", st, k)
	}
	return token, k["api_key"].(string)
}

func TestSecretsHaveEntropyAndAreStoredHashed(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	_, a := tt.do("POST", "/hq/account/agent/create", "", nil)
	pin := a["pin"].(string)
	if len(pin)*5 < 128 { // base32: 5 bits a character
		t.Fatalf("PIN %d chars: under 128 bits", len(pin))
	}
	_, key := tt.onboard()
	if !strings.HasPrefix(key, "hq_live_") || len(key)-8 < 32 {
		t.Fatalf("key %q", key)
	}
	tt.do("POST", "/hq/account/register", "", map[string]any{"email": "h@example.com", "password": "a long password"})
	var n int
	tt.s.st.db.QueryRow(`SELECT COUNT(*) FROM accounts WHERE pin_hash = ? OR password_hash LIKE '%a long password%'`, pin).Scan(&n)
	var keys int
	tt.s.st.db.QueryRow(`SELECT COUNT(*) FROM api_keys WHERE key_hash = ?`, key).Scan(&keys)
	if n != 0 || keys != 0 {
		t.Fatal("a secret is stored in the clear")
	}
}

func TestWebhookRetriesThenDelivers(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(500)
		}
	}))
	defer hook.Close()
	tt := newTester(t, Options{WebhookRetryBase: time.Millisecond, AllowPrivateWebhooks: true})
	_, key := tt.onboard()
	_, org := tt.do("POST", "/hq/orgs", key, map[string]any{"name": "Hooked"})
	id := org["id"].(string)
	tt.do("POST", "/hq/orgs/"+id+"/webhooks", key, map[string]any{"url": hook.URL})
	tt.do("PATCH", "/hq/orgs/"+id, key, map[string]any{"name": "Hooked 2"})

	deadline := time.Now().Add(5 * time.Second)
	for {
		_, d := tt.do("GET", "/_sandbox/deliveries?org_id="+id, "", nil)
		items := d["items"].([]any)
		if len(items) == 1 && items[0].(map[string]any)["status"] == "delivered" {
			if got := items[0].(map[string]any)["attempts"]; got != float64(3) {
				t.Fatalf("attempts %v, want 3", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not delivered: %v", items)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWebhookGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) }))
	defer hook.Close()
	tt := newTester(t, Options{WebhookRetryBase: time.Millisecond, WebhookMaxAttempts: 2, AllowPrivateWebhooks: true})
	_, key := tt.onboard()
	_, org := tt.do("POST", "/hq/orgs", key, map[string]any{"name": "Hooked"})
	id := org["id"].(string)
	tt.do("POST", "/hq/orgs/"+id+"/webhooks", key, map[string]any{"url": hook.URL})
	tt.do("PATCH", "/hq/orgs/"+id, key, map[string]any{"name": "x"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, d := tt.do("GET", "/_sandbox/deliveries?org_id="+id, "", nil)
		it := d["items"].([]any)[0].(map[string]any)
		if it["status"] == "failed" {
			if it["attempts"] != float64(2) || !strings.Contains(it["last_error"].(string), "410") {
				t.Fatalf("failed delivery: %v", it)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %v", it)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSharedStateFile: two sandboxes on one file (as two processes would be)
// see each other's writes, accept each other's tokens, never double-apply a
// replayed request, and deliver each webhook event once.
func TestSharedStateFile(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer hook.Close()
	path := filepath.Join(t.TempDir(), "state.db")
	a := newTester(t, Options{StatePath: path, AllowPrivateWebhooks: true})
	b := newTester(t, Options{StatePath: path, AllowPrivateWebhooks: true})

	token, key := a.onboard()
	if st, _ := b.do("GET", "/hq/billing/balance", token, nil); st != 200 {
		t.Fatalf("b rejects a's token: %d", st)
	}
	b.do("POST", "/hq/billing/setup-payment/confirm", token, map[string]any{"payment_method_id": "pm_card"})

	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			srv := []*tester{a, b}[i%2]
			if st, out := srv.do("POST", "/hq/orgs", key, map[string]any{"name": fmt.Sprintf("org %d", i)}); st != 201 {
				t.Errorf("create org %d: %d %v", i, st, out)
			}
			req, _ := http.NewRequest("POST", srv.srv.URL+"/hq/billing/topup", strings.NewReader(`{"amount_cents":10}`))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Idempotency-Key", fmt.Sprintf("k%d", i/2)) // each key sent twice, once to each
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("topup %d: %v %v", i, err, resp)
				return
			}
			resp.Body.Close()
		}(i)
	}
	wg.Wait()
	for _, srv := range []*tester{a, b} {
		_, orgs := srv.do("GET", "/hq/orgs", key, nil)
		_, bal := srv.do("GET", "/hq/billing/balance", token, nil)
		if len(orgs["items"].([]any)) != 20 || bal["balance_cents"] != float64(100) {
			t.Fatalf("%d orgs, balance %v: want 20 and 100 (10 keys × 10)", len(orgs["items"].([]any)), bal["balance_cents"])
		}
	}

	_, orgs := a.do("GET", "/hq/orgs", key, nil)
	id := orgs["items"].([]any)[0].(map[string]any)["id"].(string)
	b.do("POST", "/hq/orgs/"+id+"/webhooks", key, map[string]any{"url": hook.URL})
	a.do("PATCH", "/hq/orgs/"+id, key, map[string]any{"description": "x"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var flushes sync.WaitGroup // both at once: each may try to claim the one delivery
	for _, srv := range []*tester{a, b} {
		flushes.Add(1)
		go func() { defer flushes.Done(); srv.s.FlushWebhooks(ctx) }()
	}
	flushes.Wait()
	// Nothing is due any more on either side, so only a send already in
	// flight could still double-deliver: stopping both delivery loops waits
	// for every such send to finish.
	a.s.hooks.stop()
	b.s.hooks.stop()
	if hits.Load() != 1 {
		t.Fatalf("event delivered %d times by two processes, want 1", hits.Load())
	}
}

func TestCheckoutAndVerifyPages(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	token, _ := tt.onboard()
	_, sp := tt.do("POST", "/hq/billing/setup-payment", token, nil)
	u := sp["data"].(map[string]any)["url"].(string)
	resp, _ := http.Get(u)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "<form") {
		t.Fatalf("checkout page: %s", page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("checkout page CSP: %q", csp)
	}
	if err := CompleteCheckout(context.Background(), http.DefaultClient, u); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if err := CompleteCheckout(context.Background(), http.DefaultClient, u); err == nil { // done: no form any more
		t.Fatal("a completed checkout showed its form again")
	}
	if _, b := tt.do("GET", "/hq/billing/balance", token, nil); b["has_payment_method"] != true {
		t.Fatalf("balance: %v", b)
	}
	if resp, _ := http.Get(tt.srv.URL + "/_sandbox/checkout/cs_nope"); resp.StatusCode != 404 {
		t.Fatalf("unknown checkout: %d", resp.StatusCode)
	}
	if resp, _ := http.Get(tt.srv.URL + "/_sandbox/verify?token=nope"); resp.StatusCode != 404 {
		t.Fatalf("unknown verify token: %d", resp.StatusCode)
	}
}

func TestDeriveBrandIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := deriveBrand("www.blue-fox.io"), deriveBrand("www.blue-fox.io")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) || a["name"] != "Blue Fox" {
		t.Fatalf("%s vs %s", ja, jb)
	}
	if c := deriveBrand("other.io"); c["color_palette"].(map[string]any)["primary"] == a["color_palette"].(map[string]any)["primary"] {
		t.Fatal("different domains, same colour")
	}
}

func TestRateLimiterRefills(t *testing.T) {
	t.Parallel()
	l := newRateLimiter(10, 2)
	now := time.Unix(0, 0)
	for i := 0; i < 2; i++ {
		if _, ok := l.allow("k", now); !ok {
			t.Fatal("burst refused")
		}
	}
	wait, ok := l.allow("k", now)
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("third: ok=%v wait=%v", ok, wait)
	}
	if _, ok := l.allow("other", now); !ok {
		t.Fatal("buckets are per key")
	}
	if _, ok := l.allow("k", now.Add(100*time.Millisecond)); !ok {
		t.Fatal("no refill after the wait")
	}
}
