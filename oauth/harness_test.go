package oauth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/hqclient"
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

// browser is a person's browser: a cookie jar, no redirects followed (the
// test reads where the server sends it).
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	code int
	body string
	h    http.Header
}

func (b *browser) do(req *http.Request) reply {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, string(body), res.Header}
}

func (b *browser) get(u string) reply {
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return b.do(req)
}

// submit posts a form the way the page's form would: same origin.
func (b *browser) submit(srv *server, path string, form url.Values) reply {
	req, _ := http.NewRequest(http.MethodPost, srv.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.url)
	return b.do(req)
}

var hiddenRE = regexp.MustCompile(`name="(flow|csrf)" value="([^"]+)"`)

// formOf is the hidden fields of the page's form.
func formOf(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], m[2])
	}
	if v.Get("flow") == "" || v.Get("csrf") == "" {
		t.Fatalf("no form on the page:\n%s", page)
	}
	return v
}

// app is an MCP host: a registered client with its redirect, doing PKCE.
type app struct {
	t        *testing.T
	srv      *server
	id       string
	redirect string
	verifier string
	state    string
}

func (e *env) register(srv *server, name string, redirects ...string) *app {
	e.t.Helper()
	if len(redirects) == 0 {
		redirects = []string{"http://127.0.0.1:33333/callback"}
	}
	body, _ := json.Marshal(map[string]any{"client_name": name, "redirect_uris": redirects})
	res, err := http.Post(srv.url+"/register", "application/json", strings.NewReader(string(body)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusCreated {
		e.t.Fatalf("register: %d %v", res.StatusCode, out)
	}
	return &app{t: e.t, srv: srv, id: out["client_id"].(string), redirect: redirects[0]}
}

// authorizeURL starts a flow: a fresh verifier, S256, the resource.
func (a *app) authorizeURL(scope string, extra ...string) string {
	a.verifier = randomSecret() + "-verifier"
	a.state = randomID(8)
	q := url.Values{"response_type": {"code"}, "client_id": {a.id}, "redirect_uri": {a.redirect},
		"code_challenge": {s256(a.verifier)}, "code_challenge_method": {"S256"}, "state": {a.state},
		"resource": {a.srv.Resource()}}
	if scope != "" {
		q.Set("scope", scope)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return a.srv.url + "/authorize?" + q.Encode()
}

// signInAsAgent walks the pages as a person with an agent's key and PIN,
// allows, and returns the code the browser is sent back with.
func (a *app) signInAsAgent(b *browser, ag agent, scope string) string {
	a.t.Helper()
	p := b.get(a.authorizeURL(scope))
	if p.code != 200 {
		a.t.Fatalf("authorize: %d %s", p.code, p.body)
	}
	f := formOf(a.t, p.body)
	f.Set("api_key", ag.key)
	f.Set("pin", ag.pin)
	p = b.submit(a.srv, "/authorize/agent", f)
	if p.code != 200 || !strings.Contains(p.body, `action="/authorize/consent"`) {
		a.t.Fatalf("sign-in: %d %s", p.code, p.body)
	}
	return a.allow(b, p.body, nil)
}

// allow answers the consent page; scopes nil keeps those ticked.
func (a *app) allow(b *browser, consentPage string, scopes []string) string {
	a.t.Helper()
	f := formOf(a.t, consentPage)
	f.Set("decision", "allow")
	if scopes == nil {
		for _, m := range regexp.MustCompile(`name="scope" value="(\w+)" checked`).FindAllStringSubmatch(consentPage, -1) {
			f.Add("scope", m[1])
		}
	} else {
		f["scope"] = scopes
	}
	p := b.submit(a.srv, "/authorize/consent", f)
	if p.code != http.StatusSeeOther {
		a.t.Fatalf("consent: %d %s", p.code, p.body)
	}
	loc, _ := url.Parse(p.h.Get("Location"))
	q := loc.Query()
	if q.Get("state") != a.state || q.Get("iss") != a.srv.Issuer() || q.Get("code") == "" {
		a.t.Fatalf("sent back to %s", loc)
	}
	return q.Get("code")
}

// tokenReq posts to the token endpoint.
func (a *app) tokenReq(form url.Values) (int, map[string]any) {
	a.t.Helper()
	res, err := http.PostForm(a.srv.url+"/token", form)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (a *app) exchange(code string) (int, map[string]any) {
	return a.tokenReq(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {a.verifier},
		"client_id": {a.id}, "redirect_uri": {a.redirect}, "resource": {a.srv.Resource()}})
}

func (a *app) mustExchange(code string) (access, refresh string) {
	a.t.Helper()
	st, out := a.exchange(code)
	if st != 200 {
		a.t.Fatalf("token: %d %v", st, out)
	}
	return out["access_token"].(string), out["refresh_token"].(string)
}

func (a *app) refresh(rt string) (int, map[string]any) {
	return a.tokenReq(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {a.id}})
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
