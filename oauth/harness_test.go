package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/oauth/oauthtest"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// The protocol tests run the server in-process against the real sandbox
// (through hqclient, as the remote mode does), and drive it as a host and a
// browser would: plain HTTP, the forms as the pages render them.

// clock is an injected clock tests move forward.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// hqSeen records every Authorization header the sandbox received.
type hqSeen struct {
	mu   sync.Mutex
	auth []string
}

func (h *hqSeen) add(v string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.auth = append(h.auth, v)
}

func (h *hqSeen) all() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.auth...)
}

type env struct {
	t       *testing.T
	sandbox string
	hq      HQClient
	seen    *hqSeen
	clock   *clock
	store   Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{RateLimit: -1, PasswordIterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := &hqSeen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.add(r.Header.Get("Authorization"))
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); sb.Close() })
	hq := HQClient{New: func(c hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: srv.URL, Credentials: c, MaxAttempts: 1})
	}}
	return &env{t: t, sandbox: srv.URL, hq: hq, seen: seen, clock: &clock{}}
}

// server is one replica: an oauth Server and a stand-in for /mcp that
// answers who the token is (never the secrets).
type server struct {
	*Server
	url string
}

var stateKey = []byte("oauth-test-state-key-0123456789abcdef")

func (e *env) server(mod ...func(*Options)) *server {
	e.t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	u := "http://" + ts.Listener.Addr().String()
	if e.store == nil {
		e.store = &MemoryStore{Now: e.clock.now}
	}
	o := Options{PublicURL: u, StateKey: stateKey, Store: e.store, HQ: e.hq, Now: e.clock.now, Log: zerolog.Nop()}
	for _, m := range mod {
		m(&o)
	}
	s, err := New(o)
	if err != nil {
		e.t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", s.Handler())
	mux.HandleFunc("/mcp", func(w http.ResponseWriter, r *http.Request) {
		bearer, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		a, err := s.Authenticate(r.Context(), bearer)
		if err != nil {
			w.Header().Set("WWW-Authenticate", s.Challenge(bearer != ""))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		writeJSON(w, 200, map[string]any{"account": a.Account, "scopes": a.Scopes, "client": a.Client, "has_key": a.Key != ""})
	})
	ts.Config.Handler = mux
	ts.Start()
	e.t.Cleanup(ts.Close)
	return &server{s, u}
}

// agent is an agent account on the sandbox with an API key.
type agent struct{ id, key, pin string }

func (e *env) agent(label string) agent {
	e.t.Helper()
	ctx := context.Background()
	c, _ := hqclient.New(hqclient.Options{BaseURL: e.sandbox})
	a, err := c.CreateAgent(ctx, label)
	if err != nil {
		e.t.Fatal(err)
	}
	kc, _ := hqclient.New(hqclient.Options{BaseURL: e.sandbox, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{PIN: a.Data.PIN})})
	k, err := kc.CreateKey(ctx, hqclient.CreateKeyRequest{Name: label})
	if err != nil {
		e.t.Fatal(err)
	}
	return agent{id: a.Data.AccountID, key: k.Data.APIKey, pin: a.Data.PIN}
}

// human registers and verifies a human on the sandbox and links agents.
func (e *env) human(email, password string, agents ...agent) {
	e.t.Helper()
	ctx := context.Background()
	c, _ := hqclient.New(hqclient.Options{BaseURL: e.sandbox})
	if _, err := c.Register(ctx, hqclient.EmailPassword{Email: email, Password: password}); err != nil {
		e.t.Fatal(err)
	}
	res, err := http.Get(e.sandbox + "/_sandbox/outbox?to=" + url.QueryEscape(email))
	if err != nil {
		e.t.Fatal(err)
	}
	var mails []map[string]any
	json.NewDecoder(res.Body).Decode(&mails)
	res.Body.Close()
	if len(mails) == 0 {
		e.t.Fatalf("no verification mail to %s", email)
	}
	if v, err := http.Get(mails[0]["link"].(string)); err != nil || v.StatusCode != 200 {
		e.t.Fatalf("verify %s: %v", email, err)
	}
	tok, err := c.Login(ctx, hqclient.EmailPassword{Email: email, Password: password})
	if err != nil {
		e.t.Fatal(err)
	}
	hc, _ := hqclient.New(hqclient.Options{BaseURL: e.sandbox, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{Token: tok.Data.Token})})
	for _, a := range agents {
		if _, err := hc.LinkAgent(ctx, a.pin); err != nil {
			e.t.Fatal(err)
		}
	}
}

// browser and app are oauthtest's, failing the test on an error.
type browser struct {
	t *testing.T
	b *oauthtest.Browser
}

func newBrowser(t *testing.T) *browser { return &browser{t, oauthtest.NewBrowser()} }

func (b *browser) must(r oauthtest.Reply, err error) oauthtest.Reply {
	b.t.Helper()
	if err != nil {
		b.t.Fatal(err)
	}
	return r
}

func (b *browser) do(req *http.Request) oauthtest.Reply { return b.must(b.b.Do(req)) }
func (b *browser) get(u string) oauthtest.Reply         { return b.must(b.b.Get(u)) }
func (b *browser) submit(srv *server, path string, form url.Values) oauthtest.Reply {
	return b.must(b.b.Submit(srv.url, path, form))
}

func formOf(t *testing.T, page string) url.Values {
	t.Helper()
	v, err := oauthtest.FormOf(page)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type app struct {
	t   *testing.T
	srv *server
	*oauthtest.App
}

func (e *env) register(srv *server, name string, redirects ...string) *app {
	e.t.Helper()
	a, err := oauthtest.Register(srv.url, name, redirects...)
	if err != nil {
		e.t.Fatal(err)
	}
	return &app{e.t, srv, a}
}

func (a *app) signInAsAgent(b *browser, ag agent, scope string) string {
	a.t.Helper()
	code, err := a.SignInAsAgent(b.b, ag.key, ag.pin, scope)
	if err != nil {
		a.t.Fatal(err)
	}
	return code
}

func (a *app) allow(b *browser, page string, scopes []string) string {
	a.t.Helper()
	code, err := a.Allow(b.b, page, scopes)
	if err != nil {
		a.t.Fatal(err)
	}
	return code
}

func (a *app) tokenReq(form url.Values) (int, map[string]any) {
	a.t.Helper()
	st, out, err := a.Token(form)
	if err != nil {
		a.t.Fatal(err)
	}
	return st, out
}

func (a *app) exchange(code string) (int, map[string]any) {
	a.t.Helper()
	st, out, err := a.Exchange(code)
	if err != nil {
		a.t.Fatal(err)
	}
	return st, out
}

func (a *app) mustExchange(code string) (access, refresh string) {
	a.t.Helper()
	at, rt, err := a.Tokens(code)
	if err != nil {
		a.t.Fatal(err)
	}
	return at, rt
}

func (a *app) refresh(rt string) (int, map[string]any) {
	a.t.Helper()
	st, out, err := a.Refresh(rt)
	if err != nil {
		a.t.Fatal(err)
	}
	return st, out
}

// call is a request to /mcp with the token; it returns the status.
func call(t *testing.T, srv *server, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.url+"/mcp", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}
