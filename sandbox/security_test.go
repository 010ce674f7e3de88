package sandbox

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These are the attacks of docs/api.md's safety rules, sent as raw HTTP
// into the sandbox.

func (tt *tester) org(key, name string) string {
	tt.t.Helper()
	st, o := tt.do("POST", "/hq/orgs", key, map[string]any{"name": name})
	if st != 201 {
		tt.t.Fatalf("org: %d %v", st, o)
	}
	return o["id"].(string)
}

// deliveriesOf waits until every delivery of org is settled and returns them.
func (tt *tester) deliveriesOf(org string) []map[string]any {
	tt.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tt.s.FlushWebhooks(ctx); err != nil {
		tt.t.Fatal(err)
	}
	_, d := tt.do("GET", "/_sandbox/deliveries?org_id="+org, "", nil)
	var out []map[string]any
	for _, it := range d["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func TestWebhookToPrivateDestinationRefusedAtRegistration(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	_, key := tt.onboard()
	org := tt.org(key, "Refuse")
	for _, u := range []string{
		"http://127.0.0.1:8080/admin/delete?all=1", "http://127.1.2.3/", "http://localhost:9/x", "http://LOCALHOST./x",
		"http://app.localhost/", "http://[::1]:80/", "http://0.0.0.0/", "http://[::]/", "http://169.254.169.254/latest/meta-data",
		"http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://[fc00::1]/", "http://[fd12::1]/",
		"http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/", "http://224.0.0.1/",
		"http://[ff02::1]/", "http://100.64.0.1/", "http://255.255.255.255/",
	} {
		st, body := tt.do("POST", "/hq/orgs/"+org+"/webhooks", key, map[string]any{"url": u})
		e, _ := body["error"].(map[string]any)
		if st != 400 || e["code"] != "webhook_destination_refused" || !strings.Contains(e["message"].(string), "--allow-private-webhooks") {
			t.Fatalf("%s: %d %v", u, st, body)
		}
	}
	if st, body := tt.do("POST", "/hq/orgs/"+org+"/webhooks", key, map[string]any{"url": "https://hooks.example.com/x"}); st != 201 {
		t.Fatalf("a public destination was refused: %d %v", st, body)
	}
}

// TestWebhookRefusedAtDialTime: a destination that passed registration but
// now resolves inward (DNS rebinding; here the row is rewritten to a
// loopback receiver) is refused when the delivery dials, and the refusal is
// recorded with its reason.
func TestWebhookRefusedAtDialTime(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer recv.Close()
	tt := newTester(t, Options{WebhookRetryBase: time.Millisecond})
	_, key := tt.onboard()
	org := tt.org(key, "Rebind")
	if st, b := tt.do("POST", "/hq/orgs/"+org+"/webhooks", key, map[string]any{"url": "http://rebind.example.com/hook"}); st != 201 {
		t.Fatalf("register: %d %v", st, b)
	}
	if _, err := tt.s.st.db.Exec(`UPDATE webhooks SET url = ? WHERE org_id = ?`, recv.URL+"/hook", org); err != nil {
		t.Fatal(err)
	}
	tt.do("PATCH", "/hq/orgs/"+org, key, map[string]any{"name": "Rebind 2"})
	ds := tt.deliveriesOf(org)
	if len(ds) != 1 || ds[0]["status"] != "failed" || !strings.Contains(ds[0]["last_error"].(string), "refused") ||
		!strings.Contains(ds[0]["last_error"].(string), "loopback") || ds[0]["attempts"] != float64(1) {
		t.Fatalf("deliveries: %v", ds)
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback receiver got %d deliveries", hits.Load())
	}
}

func TestWebhookRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	var target atomic.Int32
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { target.Add(1) }))
	defer dest.Close()
	hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, dest.URL+"/elsewhere", http.StatusFound)
	}))
	defer hop.Close()
	tt := newTester(t, Options{WebhookRetryBase: time.Millisecond, WebhookMaxAttempts: 1, AllowPrivateWebhooks: true})
	_, key := tt.onboard()
	org := tt.org(key, "Hop")
	tt.do("POST", "/hq/orgs/"+org+"/webhooks", key, map[string]any{"url": hop.URL})
	tt.do("PATCH", "/hq/orgs/"+org, key, map[string]any{"name": "Hop 2"})
	ds := tt.deliveriesOf(org)
	if len(ds) != 1 || ds[0]["status"] != "failed" || !strings.Contains(ds[0]["last_error"].(string), "redirects are not followed") {
		t.Fatalf("deliveries: %v", ds)
	}
	if target.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
}

// TestWebhookCannotSaveACard: even with private destinations allowed, a
// webhook aimed at the sandbox's own checkout page saves no card, nor does
// any POST that did not come from the page's form.
func TestWebhookCannotSaveACard(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{WebhookRetryBase: time.Millisecond, WebhookMaxAttempts: 1, AllowPrivateWebhooks: true})
	token, key := tt.onboard()
	_, sp := tt.do("POST", "/hq/billing/setup-payment", token, nil)
	u := sp["data"].(map[string]any)["url"].(string)
	org := tt.org(key, "Checkout")
	tt.do("POST", "/hq/orgs/"+org+"/webhooks", key, map[string]any{"url": u})
	tt.do("PATCH", "/hq/orgs/"+org, key, map[string]any{"name": "Checkout 2"})
	if ds := tt.deliveriesOf(org); len(ds) != 1 || ds[0]["status"] != "failed" {
		t.Fatalf("deliveries: %v", ds)
	}
	for _, form := range []url.Values{{"card": {"4242"}}, {"card": {"4242"}, CheckoutTokenField: {"9999999999.00"}}} {
		resp, err := http.PostForm(u, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("form without a valid token: %d", resp.StatusCode)
		}
	}
	if _, b := tt.do("GET", "/hq/billing/balance", token, nil); b["has_payment_method"] != false {
		t.Fatalf("a card was saved without the page: %v", b)
	}
}

// TestNonCanonicalPathsAreRefused: the mux would answer 307 to the cleaned
// path, and a client that follows it would DELETE the org.
func TestNonCanonicalPathsAreRefused(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	_, key := tt.onboard()
	org := tt.org(key, "Keep")
	for _, p := range []string{"/hq/orgs/" + org + "/webhooks/..", "/hq/orgs/" + org + "/webhooks/../", "/hq/orgs//" + org, "/hq/orgs/" + org + "/./webhooks"} {
		req, _ := http.NewRequest("DELETE", tt.srv.URL+p, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultTransport.RoundTrip(req) // no redirect following at all
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Fatalf("DELETE %s: %d Location %q", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if st, _ := tt.do("GET", "/hq/orgs/"+org, key, nil); st != 200 {
		t.Fatalf("org gone: %d", st)
	}
}

// TestForeignHostAndOriginRefused: DNS rebinding (a page whose name now
// resolves to 127.0.0.1) arrives with its own name as Host; a page elsewhere
// sends its Origin.
func TestForeignHostAndOriginRefused(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	send := func(host, origin string) int {
		req, _ := http.NewRequest("POST", tt.srv.URL+"/hq/account/agent/create", nil)
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, h := range []string{"evil.example.com", "evil.example.com:80", "127.0.0.1.evil.example", "10.0.0.5:1234"} {
		if st := send(h, ""); st != http.StatusMisdirectedRequest {
			t.Fatalf("Host %s: %d", h, st)
		}
	}
	for _, o := range []string{"https://evil.example.com", "null", "http://127.0.0.1.evil.example"} {
		if st := send("", o); st != http.StatusForbidden {
			t.Fatalf("Origin %s: %d", o, st)
		}
	}
	for _, h := range []string{"", "localhost:1", "[::1]:9"} {
		if st := send(h, "http://localhost:3000"); st != 201 {
			t.Fatalf("local Host %q: %d", h, st)
		}
	}
	remote := newTester(t, Options{AllowRemote: true})
	req, _ := http.NewRequest("POST", remote.srv.URL+"/hq/account/agent/create", nil)
	req.Host = "192.0.2.10:8080"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("AllowRemote, IP Host: %v %v", err, resp)
	}
}

func TestStartRefusesRemoteWithoutOptIn(t *testing.T) {
	t.Parallel()
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		if r, err := Start(addr, Options{}); err == nil || !strings.Contains(err.Error(), "--allow-remote") {
			if r != nil {
				r.Stop(context.Background())
			}
			t.Fatalf("%s: %v", addr, err)
		}
	}
	r, err := Start("127.0.0.1:0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	r.Stop(context.Background())
	if u := baseURLOf(&net.TCPAddr{IP: net.IPv6unspecified, Port: 9}); u != "http://127.0.0.1:9" {
		t.Fatalf("wildcard base URL %s", u)
	}
}
