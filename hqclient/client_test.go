package hqclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

func stub(t *testing.T, h http.HandlerFunc) *hqclient.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := hqclient.New(hqclient.Options{BaseURL: srv.URL, Version: "9.9",
		Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{APIKey: "hq_live_k", Token: "t"}),
		Sleep:       func(ctx context.Context, d time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestErrorShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body  string
		status      int
		code, msg   string
		requestID   string
		retryable   bool
		contentType string
	}{
		{"envelope string", `{"success":false,"error":"card declined"}`, 402, "payment_required", "card declined", "", false, ""},
		{"envelope object", `{"success":false,"error":{"code":"no_pm","message":"no card"}}`, 402, "no_pm", "no card", "", false, ""},
		{"error string", `{"error":"not here"}`, 404, "not_found", "not here", "", false, ""},
		{"error object", `{"error":{"code":"gone","message":"it left","request_id":"req_b"}}`, 404, "gone", "it left", "req_b", false, ""},
		{"message", `{"message":"slow down"}`, 429, "rate_limited", "slow down", "", true, ""},
		{"code + message", `{"error":"bad_request","message":"name is required"}`, 400, "bad_request", "name is required", "", false, ""},
		{"meta request id", `{"success":false,"error":"x","meta":{"request_id":"req_m"}}`, 409, "conflict", "x", "req_m", true, ""},
		{"text", `upstream exploded`, 502, "server_error", "upstream exploded", "", true, "text/plain"},
		{"empty", ``, 503, "server_error", "service unavailable", "", true, ""},
		{"empty 401", ``, 401, "unauthorized", "unauthorized", "", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := stub(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			})
			_, err := c.ListOrgs(context.Background())
			e, ok := hqclient.AsError(err)
			if !ok || e.Status != tc.status || e.Code != tc.code || e.Message != tc.msg || e.RequestID != tc.requestID || e.Retryable != tc.retryable {
				t.Fatalf("got %+v", e)
			}
			if !strings.Contains(err.Error(), "GET /hq/orgs") {
				t.Fatalf("Error() = %q", err)
			}
		})
	}
}

func TestSuccessShapes(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, want string }{
		{"bare", `{"balance_cents":5,"extra":{"kept":true}}`, `{"balance_cents":5,"extra":{"kept":true}}`},
		{"envelope", `{"success":true,"data":{"balance_cents":5},"error":null,"meta":{}}`, `{"balance_cents":5}`},
		{"text", `Key revoked`, `{"message":"Key revoked"}`},
		{"empty", ``, `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := stub(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tc.body) })
			r, err := c.Balance(context.Background())
			if err != nil || string(r.Raw) != tc.want {
				t.Fatalf("raw %s, err %v", r.Raw, err)
			}
		})
	}
	// A list wrapped in an object still fills the typed view.
	c := stub(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"items":[{"id":"org_1","name":"A"}]}`) })
	r, err := c.ListOrgs(context.Background())
	if err != nil || len(r.Data) != 1 || r.Data[0].ID != "org_1" {
		t.Fatalf("wrapped list: %+v %v", r, err)
	}
	// success:false inside a 200 is still an error.
	c = stub(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"success":false,"error":"nope"}`) })
	_, err = c.SetupPayment(context.Background())
	if e, ok := hqclient.AsError(err); !ok || e.Message != "nope" || e.Status != 200 {
		t.Fatalf("200 failure: %v", err)
	}
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	var got http.Header
	var mu sync.Mutex
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		fmt.Fprint(w, `{}`)
	})
	c.ListOrgs(context.Background())
	mu.Lock()
	if got.Get("User-Agent") != "myapihq-mcp/9.9" || got.Get("Authorization") != "Bearer hq_live_k" || got.Get("Idempotency-Key") != "" {
		t.Fatalf("GET headers: %v", got)
	}
	mu.Unlock()
	c.TopUp(context.Background(), 5)
	mu.Lock()
	defer mu.Unlock()
	if got.Get("Authorization") != "Bearer t" || !strings.HasPrefix(got.Get("Idempotency-Key"), "idem_") || got.Get("Content-Type") != "application/json" {
		t.Fatalf("POST headers: %v", got)
	}
}

func TestRetryAfterHTTPDateAndCap(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var waits []time.Duration
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", now.Add(7*time.Second).Format(http.TimeFormat))
		w.WriteHeader(503)
	}))
	defer srv.Close()
	c, _ := hqclient.New(hqclient.Options{BaseURL: srv.URL, Now: func() time.Time { return now }, MaxRetryAfter: 5 * time.Second,
		Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{APIKey: "hq_live_k"}),
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			return nil
		}})
	_, err := c.ListOrgs(context.Background())
	if e, _ := hqclient.AsError(err); e == nil || e.Attempts != 3 {
		t.Fatalf("err %v", err)
	}
	if len(waits) != 2 || waits[0] != 5*time.Second {
		t.Fatalf("waits %v: want the date's 7s capped at 5s", waits)
	}
}

// TestNoWaitPastDeadline: a Retry-After longer than the caller's context
// returns the error now instead of sleeping into a cancelled context.
func TestNoWaitPastDeadline(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(429)
	}))
	defer srv.Close()
	c, _ := hqclient.New(hqclient.Options{BaseURL: srv.URL, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{APIKey: "hq_live_k"})})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.ListOrgs(ctx)
	if e, _ := hqclient.AsError(err); e == nil || e.Status != 429 || e.RetryAfter != 20*time.Second {
		t.Fatalf("err %v", err)
	}
	if calls.Load() != 1 || time.Since(start) > time.Second {
		t.Fatalf("%d calls in %v", calls.Load(), time.Since(start))
	}
}

func TestShouldRetryHeaderAndCancellation(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Should-Retry", "false")
		w.WriteHeader(503)
	})
	_, err := c.ListOrgs(context.Background())
	if e, _ := hqclient.AsError(err); e == nil || e.Retryable || calls.Load() != 1 {
		t.Fatalf("retried against X-Should-Retry: false (%d calls): %v", calls.Load(), err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.ListOrgs(ctx)
	if e, _ := hqclient.AsError(err); e == nil || e.Retryable || e.Code != hqclient.CodeNetwork || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestResponseBodyCap(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[`))
		for i := 0; i < 1<<16; i++ {
			w.Write([]byte(`{"id":"org_xxxxxxxxxxxxxxxx"},`))
		}
	}))
	defer srv.Close()
	c, _ := hqclient.New(hqclient.Options{BaseURL: srv.URL, MaxResponseBytes: 1 << 20,
		Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{APIKey: "hq_live_k"})})
	_, err := c.ListOrgs(context.Background())
	if e, _ := hqclient.AsError(err); e == nil || e.Code != hqclient.CodeBodyTooLarge || e.Retryable {
		t.Fatalf("err %v", err)
	}
}

// TestAgentCreatePinOnlyShape: the endpoint list's {pin} answer is completed
// by exchanging the PIN (decision 1).
func TestAgentCreatePinOnlyShape(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	pinOnly := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/hq/account/agent/create" {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var full map[string]any
			json.Unmarshal(rec.Body.Bytes(), &full)
			w.WriteHeader(rec.Code)
			json.NewEncoder(w).Encode(map[string]any{"pin": full["pin"]})
		})
	}
	srv := httptest.NewServer(pinOnly(e.sb))
	defer srv.Close()
	c, _ := hqclient.New(hqclient.Options{BaseURL: srv.URL})
	a, err := c.CreateAgent(context.Background(), "")
	if err != nil || a.Data.Token == "" || !strings.HasPrefix(a.Data.AccountID, "acct_") {
		t.Fatalf("pin-only: %+v %v", a, err)
	}
	if string(a.Raw) == "" || strings.Contains(string(a.Raw), "token") {
		t.Fatalf("Raw must stay what the service sent: %s", a.Raw)
	}
}

// countingCreds counts SaveToken calls.
type countingCreds struct {
	*hqclient.StaticCredentials
	saves atomic.Int32
}

func (c *countingCreds) SaveToken(ctx context.Context, tok string, exp time.Time) error {
	c.saves.Add(1)
	return c.StaticCredentials.SaveToken(ctx, tok, exp)
}

// TestTokenRefresh: an expired JWT is replaced from the PIN before use, a
// rejected one after a 401, and concurrent callers share one mint.
func TestTokenRefresh(t *testing.T) {
	t.Parallel()
	var mints atomic.Int32
	count := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/hq/account/agent/token" {
				mints.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, sandbox.Options{TokenTTL: time.Minute}, count)
	_, base, _ := e.agent("refresh")
	secrets, _ := base.Secrets(context.Background())
	creds := &countingCreds{StaticCredentials: hqclient.NewStaticCredentials(secrets)}
	c := e.client(creds)

	e.clock.Advance(2 * time.Minute) // the token has expired
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Balance(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if mints.Load() != 1 || creds.saves.Load() != 1 {
		t.Fatalf("%d mints, %d saves for 8 concurrent calls; want 1", mints.Load(), creds.saves.Load())
	}

	// A token the service rejects although our clock thinks it valid (say,
	// the service restarted with a new key): one 401, one mint, one retry.
	const forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiAieCIsICJleHAiOiA0MTAyNDQ0ODAwfQ.c2ln" // exp in 2100
	fresh := e.client(hqclient.NewStaticCredentials(hqclient.Secrets{PIN: secrets.PIN, Token: forged}))
	if _, err := fresh.Balance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if mints.Load() != 2 {
		t.Fatalf("mints %d after a 401", mints.Load())
	}

	// Without a PIN a 401 is the caller's to handle.
	noPIN := e.client(hqclient.NewStaticCredentials(hqclient.Secrets{Token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}))
	_, err := noPIN.Balance(context.Background())
	wantErr(t, err, 401, "invalid_token")
}

// TestLogsHoldNoSecrets runs an onboarding at debug level and searches the
// log for every secret it involved.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{})
	var buf bytes.Buffer
	var mu sync.Mutex
	log := zerolog.New(zerolog.SyncWriter(&lockedWriter{w: &buf, mu: &mu})).Level(zerolog.DebugLevel)
	creds := hqclient.NewStaticCredentials(hqclient.Secrets{})
	c, _ := hqclient.New(hqclient.Options{BaseURL: e.srv.URL, Credentials: creds, Logger: &log, Now: e.clock.Now})
	ctx := context.Background()
	a, err := c.CreateAgent(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.PIN = a.Data.PIN }) // no token: the client mints one
	k, err := c.CreateKey(ctx, hqclient.CreateKeyRequest{Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	creds.Update(func(s *hqclient.Secrets) { s.APIKey = k.Data.APIKey })
	c.ListOrgs(ctx)
	c.Login(ctx, hqclient.EmailPassword{Email: "x@example.com", Password: "hunter2-password"})
	s, _ := creds.Secrets(ctx)
	mu.Lock()
	defer mu.Unlock()
	out := buf.String()
	if !strings.Contains(out, `"path":"/hq/orgs"`) {
		t.Fatalf("nothing logged: %s", out)
	}
	for name, secret := range map[string]string{"PIN": a.Data.PIN, "key": k.Data.APIKey, "first JWT": a.Data.Token,
		"minted JWT": s.Token, "password": "hunter2-password"} {
		if secret == "" || strings.Contains(out, secret) {
			t.Fatalf("%s %q in the log (or empty)", name, secret)
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"ftp://x", "not a url", "http://"} {
		if _, err := hqclient.New(hqclient.Options{BaseURL: u}); err == nil {
			t.Fatalf("%q accepted", u)
		}
	}
}

// TestBodyReadErrorIsANetworkError: a connection that dies mid-body (an
// error that wraps nothing) is a retryable network error, not a panic.
func TestBodyReadErrorIsANetworkError(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	c := stub(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Length", "100")
		w.Write([]byte(`{"balance_cents":`)) // then the connection closes short
	})
	_, err := c.Balance(context.Background())
	e, ok := hqclient.AsError(err)
	if !ok || e.Code != hqclient.CodeNetwork || !e.Retryable || calls.Load() != 3 {
		t.Fatalf("%d calls: %v", calls.Load(), err)
	}
}
