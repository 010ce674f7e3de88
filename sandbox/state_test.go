package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// raw sends one request with the given headers and answers the status, the
// decoded body and the response.
func (tt *tester) raw(method, path string, hdr map[string]string, body any) (int, map[string]any, *http.Response) {
	tt.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, tt.srv.URL+path, rd)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		tt.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &out) //nolint:errcheck // some answers are not objects
	return resp.StatusCode, out, resp
}

func TestStateFileAndFolderArePrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "missing", "folder")
	path := filepath.Join(dir, "state.db")
	tt := newTester(t, Options{StatePath: path})
	tt.onboard()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: %v %v, want %o", p, fi.Mode().Perm(), err, want)
		}
	}
	loose := filepath.Join(t.TempDir(), "loose.db")
	if err := os.WriteFile(loose, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	newTester(t, Options{StatePath: loose})
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o600 {
		t.Fatalf("an existing state file kept %o", fi.Mode().Perm())
	}
}

func TestBadStateFileIsNamedWithAWayOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, bytes.Repeat([]byte("not sqlite "), 1000), 0o600) //nolint:errcheck
	// Only a file that exists but holds no sandbox state is sandbox data to
	// move aside: a folder, or a folder that cannot be made, is named as such.
	underFile := filepath.Join(garbage, "sub", "state.db")
	for _, c := range []struct {
		path      string
		want, not []string
	}{
		{garbage, []string{garbage, "move it aside"}, nil},
		{dir, []string{dir, "is a directory", "names a file", filepath.Join(dir, "sandbox.db")}, []string{"move it aside", "delete"}},
		{underFile, []string{filepath.Join(garbage, "sub"), "cannot be created", "not a directory"}, []string{"move it aside", "delete"}},
	} {
		_, err := New(Options{StatePath: c.path})
		if err == nil {
			t.Fatalf("%s: accepted", c.path)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v\nwant %q in it", c.path, err, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(err.Error(), n) {
				t.Errorf("%s: %v\nwrong advice %q", c.path, err, n)
			}
		}
	}
}

// TestStateFileHoldsNoUsableSecret: after a story where every write carried
// an Idempotency-Key, the file (and its WAL) holds none of the PIN, API key,
// JWTs, refresh cookie or the keys, yet each replay still answers in full.
func TestStateFileHoldsNoUsableSecret(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state.db")
	tt := newTester(t, Options{StatePath: path})
	var secrets []string
	post := func(path, key string, hdr map[string]string, body any) map[string]any {
		h := map[string]string{"Idempotency-Key": key}
		for k, v := range hdr {
			h[k] = v
		}
		st, out, resp := tt.raw("POST", path, h, body)
		if st >= 300 {
			t.Fatalf("%s: %d %v", path, st, out)
		}
		secrets = append(secrets, key)
		for _, ck := range resp.Cookies() {
			secrets = append(secrets, ck.Value)
		}
		// The replay opens: same answer, marked as such.
		st2, again, resp2 := tt.raw("POST", path, h, body)
		if st2 != st || resp2.Header.Get("Idempotent-Replayed") != "true" || len(again) != len(out) {
			t.Fatalf("%s replay: %d %v", path, st2, again)
		}
		return out
	}
	a := post("/hq/account/agent/create", "idem-agent-0001", nil, nil)
	pin, tok := a["pin"].(string), a["token"].(string)
	k := post("/hq/account/create/key", "idem-key-0002", map[string]string{"Authorization": "Bearer " + tok}, map[string]any{"name": "k"})
	t2 := post("/hq/account/agent/token", "idem-token-0003", nil, map[string]any{"pin": pin})
	tt.do("POST", "/hq/account/register", "", map[string]any{"email": "h@example.com", "password": "a long password"})
	var link string
	tt.s.st.db.QueryRow(`SELECT link FROM outbox WHERE to_addr = 'h@example.com'`).Scan(&link) //nolint:errcheck
	if resp, err := http.Get(link); err == nil {
		resp.Body.Close()
	}
	st, login, resp := tt.raw("POST", "/hq/account/login", map[string]string{"Idempotency-Key": "idem-login-0004"},
		map[string]any{"email": "h@example.com", "password": "a long password"})
	if st != 200 {
		t.Fatalf("login: %d %v", st, login)
	}
	cookie := resp.Cookies()[0].Value
	r := post("/hq/account/refresh", "idem-refresh-0005", map[string]string{"Cookie": refreshCookie + "=" + cookie}, nil)
	secrets = append(secrets, pin, tok, k["api_key"].(string), t2["token"].(string), login["token"].(string), cookie, r["token"].(string),
		"idem-login-0004", "a long password")
	tt.srv.Close()
	tt.s.Close() // checkpoints the WAL into the file
	var blob []byte
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		b, _ := os.ReadFile(p)
		blob = append(blob, b...)
	}
	if len(blob) < 4096 {
		t.Fatalf("state file is %d bytes: nothing was written?", len(blob))
	}
	for _, s := range secrets {
		if s != "" && bytes.Contains(blob, []byte(s)) {
			t.Errorf("the state file holds %q", s)
		}
	}
}

// TestRefreshReplayNeedsTheCookie: the replay of a refresh answers only the
// caller that holds the cookie it was made with.
func TestRefreshReplayNeedsTheCookie(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	tt.do("POST", "/hq/account/register", "", map[string]any{"email": "r@example.com", "password": "a long password"})
	var link string
	tt.s.st.db.QueryRow(`SELECT link FROM outbox WHERE to_addr = 'r@example.com'`).Scan(&link) //nolint:errcheck
	if resp, err := http.Get(link); err == nil {
		resp.Body.Close()
	}
	_, _, resp := tt.raw("POST", "/hq/account/login", nil, map[string]any{"email": "r@example.com", "password": "a long password"})
	cookie := resp.Cookies()[0].Value
	if st, out, _ := tt.raw("POST", "/hq/account/refresh", map[string]string{"Idempotency-Key": "k1", "Cookie": refreshCookie + "=" + cookie}, nil); st != 200 {
		t.Fatalf("refresh: %d %v", st, out)
	}
	st, out, resp := tt.raw("POST", "/hq/account/refresh", map[string]string{"Idempotency-Key": "k1"}, nil)
	if st != 401 || out["token"] != nil || len(resp.Cookies()) != 0 {
		t.Fatalf("replay without the cookie: %d %v %v", st, out, resp.Cookies())
	}
	st, _, _ = tt.raw("POST", "/hq/account/refresh", map[string]string{"Idempotency-Key": "k1", "Cookie": refreshCookie + "=forged"}, nil)
	if st != 401 {
		t.Fatalf("replay with another cookie: %d", st)
	}
}

// TestAnonymousRoutesLimitedByAddress: varying the Authorization header does
// not buy a fresh bucket on routes that take no credential.
func TestAnonymousRoutesLimitedByAddress(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{RateLimit: 0.001, RateBurst: 3})
	codes := []int{}
	for i := 0; i < 4; i++ {
		st, _, _ := tt.raw("POST", "/hq/account/agent/token", map[string]string{"Authorization": "Bearer junk" + strings.Repeat("x", i)},
			map[string]any{"pin": "WRONGPIN"})
		codes = append(codes, st)
	}
	if codes[3] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: the fourth should be rate limited", codes)
	}
	req, _ := http.NewRequest("POST", "/hq/account/login", nil)
	req.RemoteAddr = "192.0.2.1:5"
	keys := rateKeys(req, authNone, []byte(`{"email":" Victim@Example.com","password":"x"}`))
	other := rateKeys(req, authNone, []byte(`{"email":"victim@example.com","password":"y"}`))
	if len(keys) != 2 || keys[0] != "addr:192.0.2.1" || keys[1] != other[1] {
		t.Fatalf("login buckets %v %v", keys, other)
	}
}

// TestIdempotencyOutlivesAConsentQuestion: the MCP server derives a
// consented write's Idempotency-Key from the human's answer and counts on
// the service to answer that write from its record for as long as the
// answer could come again (a question lives 10 minutes; docs/api.md). The
// sandbox keeps its records for the life of its state: a top-up sent
// again an hour later with the same key and body is replayed, not
// charged; with another body the key is refused.
func TestIdempotencyOutlivesAConsentQuestion(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tt := newTester(t, Options{Now: clock, TokenTTL: 24 * time.Hour})
	token, _ := tt.onboard()
	if st, out := tt.do("POST", "/hq/billing/setup-payment/confirm", token, map[string]any{"payment_method_id": "pm_card"}); st != 200 {
		t.Fatalf("card: %d %v", st, out)
	}
	h := map[string]string{"Authorization": "Bearer " + token, "Idempotency-Key": "idem_from_a_consent_answer"}
	st, first, _ := tt.raw("POST", "/hq/billing/topup", h, map[string]any{"amount_cents": 500})
	if st != 200 {
		t.Fatalf("top-up: %d %v", st, first)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	st, again, resp := tt.raw("POST", "/hq/billing/topup", h, map[string]any{"amount_cents": 500})
	if st != 200 || resp.Header.Get("Idempotent-Replayed") != "true" || again["transaction_id"] != first["transaction_id"] {
		t.Fatalf("an hour later: %d %v (replayed %q)", st, again, resp.Header.Get("Idempotent-Replayed"))
	}
	if st, out, _ := tt.raw("POST", "/hq/billing/topup", h, map[string]any{"amount_cents": 700}); st != 422 {
		t.Fatalf("the key with another body: %d %v", st, out)
	}
	var n int
	tt.s.st.db.QueryRow(`SELECT COUNT(*) FROM billing_events WHERE type = 'topup'`).Scan(&n) //nolint:errcheck
	if n != 1 {
		t.Fatalf("%d top-ups charged for one request sent twice", n)
	}
}
