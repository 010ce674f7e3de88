package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/myapihq/myapihq-mcp/oauth/oauthtest"
)

// docServer serves client metadata documents over TLS on loopback and
// counts the requests it gets.
func docServer(t *testing.T, doc func(self string) any) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	var ts *httptest.Server
	ts = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/moved.json":
			http.Redirect(w, r, "/client.json", http.StatusFound)
		case "/huge.json":
			w.Write([]byte(`{"client_id":"` + ts.URL + `/huge.json","x":"` + strings.Repeat("a", 70<<10) + `"}`))
		default:
			json.NewEncoder(w).Encode(doc(ts.URL + r.URL.Path))
		}
	}))
	t.Cleanup(ts.Close)
	return ts, &hits
}

func TestClientMetadataOnAPrivateAddressIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server() // the real rule: no private addresses
	ts, hits := docServer(t, func(self string) any {
		return map[string]any{"client_id": self, "client_name": "Loopback", "redirect_uris": []string{"http://127.0.0.1:9/cb"}}
	})
	port := ts.URL[strings.LastIndexByte(ts.URL, ':')+1:]
	b := newBrowser(t)
	for _, id := range []string{ts.URL + "/client.json", "https://localhost:" + port + "/client.json", "https://[::1]:" + port + "/client.json",
		"https://169.254.169.254/latest/meta-data", "https://2130706433:" + port + "/client.json", "https://10.0.0.1/client.json",
		"http://example.com/client.json", "https://example.com/", "https://example.com/a#frag", "https://u:p@example.com/c.json"} {
		q := url.Values{"response_type": {"code"}, "client_id": {id}, "redirect_uri": {"http://127.0.0.1:9/cb"},
			"code_challenge": {s256(randomSecret())}, "code_challenge_method": {"S256"}}
		if p := b.get(srv.url + "/authorize?" + q.Encode()); p.Code != 400 || p.H.Get("Location") != "" {
			t.Errorf("client_id %s: %d", id, p.Code)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the server fetched from a private address %d times", hits.Load())
	}
	// A name that passes the written check but resolves inward (DNS
	// rebinding) is refused when dialled: the dialer checks the address.
	u, _ := url.Parse(ts.URL + "/client.json")
	if _, err := srv.fetchDocument(context.Background(), u); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("dial-time check: %v", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the dialer reached a loopback address")
	}
}

func TestClientMetadataDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var ts *httptest.Server
	ts, hits := docServer(t, func(self string) any {
		name := "Doc App <b>"
		if strings.HasSuffix(self, "/other.json") {
			self = ts.URL + "/client.json" // claims another id
		}
		m := map[string]any{"client_id": self, "client_name": name, "redirect_uris": []string{"https://app.example/cb"}}
		if strings.HasSuffix(self, "/secret.json") {
			m["token_endpoint_auth_method"] = "private_key_jwt"
		}
		return m
	})
	hc := &http.Client{Transport: ts.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	srv := e.server(func(o *Options) { o.AllowPrivateClientMetadata, o.MetadataClient = true, hc })
	a := &app{t, srv, &oauthtest.App{Base: srv.url, ID: ts.URL + "/client.json", Redirect: "https://app.example/cb", Resource: srv.Resource()}}
	b := newBrowser(t)
	p := b.get(a.AuthorizeURL(""))
	if p.Code != 200 || !strings.Contains(p.Body, "Doc App &lt;b&gt;") || !strings.Contains(p.Body, "described by a document at") {
		t.Fatalf("sign-in page: %d %s", p.Code, p.Body)
	}
	code := a.signInAsAgent(b, e.agent("doc"), "")
	if _, rt := a.mustExchange(code); rt == "" {
		t.Fatal("no refresh token")
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the document was fetched %d times for two page views, want 1 (cached)", n)
	}
	for _, path := range []string{"/moved.json", "/huge.json", "/other.json", "/secret.json"} {
		a.ID = ts.URL + path
		if p := b.get(a.AuthorizeURL("")); p.Code != 400 {
			t.Errorf("%s: %d", path, p.Code)
		}
	}
}

// TestPagesEscapeHostileClientNames: a registration is hostile; its name
// is clipped, stripped of controls and bidi, and escaped; the pages load
// nothing and cannot be framed.
func TestPagesEscapeHostileClientNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	hostile := `<script>alert(1)</script>"><img src=x onerror=alert(2)>` + "\u202eevil\u200b" + strings.Repeat("x", 500)
	a := e.register(srv, hostile, "https://app.example/cb")
	p := newBrowser(t).get(a.AuthorizeURL(""))
	if p.Code != 200 {
		t.Fatal(p.Code, p.Body)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "\u202e", "\u200b", strings.Repeat("x", 200)} {
		if strings.Contains(p.Body, bad) {
			t.Errorf("the page carries %q", bad)
		}
	}
	if !strings.Contains(p.Body, "&lt;script&gt;") || !strings.Contains(p.Body, "app.example") {
		t.Errorf("the page does not name the client and its redirect host:\n%s", p.Body)
	}
	csp := p.H.Get("Content-Security-Policy")
	for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP %q lacks %s", csp, d)
		}
	}
	if p.H.Get("X-Frame-Options") != "DENY" || p.H.Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", p.H)
	}
	for _, name := range []string{`id="api_key" name="api_key"`, `id="pin" name="pin"`, `id="email" name="email"`, `id="password" name="password"`,
		`for="api_key"`, `for="pin"`, `for="email"`, `for="password"`} {
		if !strings.Contains(p.Body, name) {
			t.Errorf("the sign-in page lacks %s", name)
		}
	}
	if strings.Contains(p.Body, "<script") {
		t.Errorf("the page needs script")
	}
}

func TestRegistrationIsRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	n := 0
	for range 12 {
		res, _ := http.Post(srv.url+"/register", "application/json", strings.NewReader(`{"redirect_uris":["https://a.example/cb"]}`))
		res.Body.Close()
		if res.StatusCode == 201 {
			n++
		} else if res.StatusCode != 429 {
			t.Fatalf("register: %d", res.StatusCode)
		}
	}
	if n != 10 {
		t.Fatalf("%d registrations from one address, want 10", n)
	}
}

// TestLookalikeHostsAreRefused: the consent page names where the code goes
// by its host, so a host must be written in ASCII: аpple.com (a Cyrillic
// а) is refused as a redirect and as a client_id, also percent-encoded;
// its punycode, which cannot pass for apple.com, is registered.
func TestLookalikeHostsAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	for _, r := range []string{"https://\u0430pple.com/cb", "https://%D0%B0pple.com/cb", "http://127.0.0.1\u3002evil/cb"} {
		body, _ := json.Marshal(map[string]any{"redirect_uris": []string{r}})
		res, _ := http.Post(srv.url+"/register", "application/json", bytes.NewReader(body))
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Errorf("registered %q: %d", r, res.StatusCode)
		}
	}
	if a := e.register(srv, "Punycode", "https://xn--pple-43d.com/cb"); a.ID == "" {
		t.Fatal("the ASCII form was refused")
	}
	b := newBrowser(t)
	q := url.Values{"response_type": {"code"}, "client_id": {"https://\u0430pple.com/client.json"}, "redirect_uri": {"https://\u0430pple.com/cb"},
		"code_challenge": {s256(randomSecret())}, "code_challenge_method": {"S256"}}
	if p := b.get(srv.url + "/authorize?" + q.Encode()); p.Code != 400 || !strings.Contains(p.Body, "ASCII") {
		t.Errorf("a lookalike client_id: %d %s", p.Code, p.Body)
	}
}

// TestClientIDsAreSealed: a registration is its client_id, sealed under
// the state key: an id changed by one character, made up, or issued by a
// server with another key names no client (an error page, nothing sent to
// its redirect), and registering stores nothing.
func TestClientIDsAreSealed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	other := e.server(func(o *Options) { o.StateKey = []byte("another-state-key-0123456789abcdef!!") })
	a := e.register(srv, "Sealed", "https://a.example/cb")
	foreign := e.register(other, "Foreign", "https://evil.example/cb")
	tampered := []byte(a.ID)
	tampered[len(tampered)-5] ^= 1
	for _, id := range []string{string(tampered), foreign.ID, clientPrefix + strings.Repeat("A", 200)} {
		res, err := http.Get(srv.url + "/authorize?" + url.Values{"client_id": {id}, "redirect_uri": {"https://evil.example/cb"},
			"response_type": {"code"}, "code_challenge_method": {"S256"}, "code_challenge": {oauthtest.S256(strings.Repeat("v", 43))}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
			t.Errorf("client_id %.20s…: %d %q", id, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if c, err := srv.lookupClient(context.Background(), httptest.NewRequest("GET", "/", nil), a.ID); err != nil ||
		c.Name != "Sealed" || !slices.Equal(c.RedirectURIs, []string{"https://a.example/cb"}) {
		t.Fatalf("own client: %+v %v", c, err)
	}
	m := e.store.(*MemoryStore)
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.m {
		if strings.HasPrefix(k, "client:") {
			t.Errorf("registration stored %s", k)
		}
	}
}

// TestRedirectHostsAreHostNames: a redirect's host is put in the consent
// page's CSP (form-action), so it must be a host name or an IP literal,
// nothing a header could read as more. Before: "https://app.example;sandbox/cb"
// was registered, and its consent page's policy gained a "sandbox"
// directive (any directive without a value, the page's forms then
// blocked); after: refused at registration, as is any host with a
// character no host name has.
func TestRedirectHostsAreHostNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server(func(o *Options) { o.Limits.RegisterPerAddress = 100 })
	ag := e.agent("csp")
	for _, r := range []string{"https://app.example;sandbox/cb", "https://app.example,x/cb", "https://app.example'x/cb", `https://app.example"/cb`,
		"https://app.example!/cb", "https://*.example/cb", "http://127.0.0.1;sandbox/cb"} {
		body, _ := json.Marshal(map[string]any{"redirect_uris": []string{r}})
		res, _ := http.Post(srv.url+"/register", "application/json", bytes.NewReader(body))
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if res.StatusCode == 201 {
			a := &oauthtest.App{Base: srv.url, ID: out["client_id"].(string), Redirect: r, Resource: srv.Resource()}
			b := oauthtest.NewBrowser()
			p, _ := b.Get(a.AuthorizeURL(""))
			f, _ := oauthtest.FormOf(p.Body)
			f.Set("api_key", ag.key)
			f.Set("pin", ag.pin)
			p, _ = b.Submit(srv.url, "/authorize/agent", f)
			t.Errorf("registered %q; its consent page's policy: %q", r, p.H.Get("Content-Security-Policy"))
		}
	}
	for _, r := range []string{"https://app.example/cb", "https://app-1.example:8443/cb", "https://[2001:db8::1]/cb", "https://192.0.2.1/cb", "http://localhost:7/cb", "com.example.app:/cb"} {
		if a := e.register(srv, "Good", r); a.ID == "" {
			t.Errorf("%q refused", r)
		}
	}
}
