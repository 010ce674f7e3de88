package oauth

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/oauth/oauthtest"
)

// One test per refusal the server promises (docs/security.md lists them).

func TestWrongVerifierIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	a := e.register(srv, "Host")
	code := a.signInAsAgent(newBrowser(t), e.agent("v"), "")
	right := a.Verifier
	a.Verifier = right[:len(right)-1] + "X"
	if st, out := a.exchange(code); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", st, out)
	}
	// The code is spent by that attempt: the right verifier now fails too.
	a.Verifier = right
	if st, out := a.exchange(code); st != 400 || out["error"] != "invalid_grant" {
		t.Fatalf("the code outlived a wrong verifier: %d %v", st, out)
	}
	// And a verifier missing altogether.
	code = a.signInAsAgent(newBrowser(t), e.agent("v2"), "")
	a.Verifier = ""
	if st, _ := a.exchange(code); st != 400 {
		t.Fatalf("no verifier: %d", st)
	}
}

func TestReusedCodeRevokesItsTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	a := e.register(srv, "Host")
	code := a.signInAsAgent(newBrowser(t), e.agent("reuse"), "")
	at, rt := a.mustExchange(code)
	if st, _ := call(t, srv, at); st != 200 {
		t.Fatal("the first token does not work")
	}
	if st, out := a.exchange(code); st != 400 || out["error"] != "invalid_grant" || !strings.Contains(out["error_description"].(string), "revoked") {
		t.Fatalf("second redemption: %d %v", st, out)
	}
	if st, _ := call(t, srv, at); st != 401 {
		t.Errorf("the access token the code issued still works: %d", st)
	}
	if st, _ := a.refresh(rt); st != 400 {
		t.Errorf("the refresh token the code issued still works: %d", st)
	}
}

func TestUnregisteredRedirectIsNeverFollowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	a := e.register(srv, "Host", "https://host.example/cb", "http://127.0.0.1:4000/cb")
	b := newBrowser(t)
	for _, r := range []string{"https://evil.example/cb", "https://host.example/cb/../evil", "https://host.example/cb?x=1",
		"https://host.example/cb#f", "https://host.example/CB", "https://host.example.evil.example/cb", "http://127.0.0.1:4000/other", ""} {
		p := b.get(a.AuthorizeURL("", "redirect_uri", r))
		if p.Code != 400 || p.H.Get("Location") != "" {
			t.Errorf("redirect_uri %q: %d, Location %q", r, p.Code, p.H.Get("Location"))
		}
	}
	// A loopback redirect may use any port (RFC 8252), nothing else may change.
	a.Redirect = "http://127.0.0.1:51234/cb"
	if p := b.get(a.AuthorizeURL("")); p.Code != 200 {
		t.Errorf("loopback port change: %d", p.Code)
	}
	// Registration refuses what could not safely receive a code.
	for _, r := range []string{"http://host.example/cb", "javascript:alert(1)", "data:text/html,x", "https://host.example/cb#x", "file:///etc/passwd"} {
		res, _ := http.Post(srv.url+"/register", "application/json", strings.NewReader(`{"redirect_uris":["`+r+`"]}`))
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Errorf("registered %q: %d", r, res.StatusCode)
		}
	}
}

func TestPlainPKCEIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	a := e.register(srv, "Host")
	b := newBrowser(t)
	for _, m := range [][]string{{"code_challenge_method", "plain"}, {"code_challenge_method", ""}, {"code_challenge", ""},
		{"code_challenge", "too-short"}} {
		p := b.get(a.AuthorizeURL("", m...))
		loc, _ := url.Parse(p.H.Get("Location"))
		if p.Code != http.StatusSeeOther || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("code") != "" {
			t.Errorf("%v: %d %s", m, p.Code, loc)
		}
	}
}

func TestReplayedRefreshTokenEndsTheFamily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	a := e.register(srv, "Host")
	_, rt1 := a.mustExchange(a.signInAsAgent(newBrowser(t), e.agent("replay"), ""))
	st, out := a.refresh(rt1)
	if st != 200 {
		t.Fatal(out)
	}
	at2, rt2 := out["access_token"].(string), out["refresh_token"].(string)
	// The attacker replays the first refresh token.
	if st, out := a.refresh(rt1); st != 400 || !strings.Contains(out["error_description"].(string), "ended") {
		t.Fatalf("replay: %d %v", st, out)
	}
	// The whole family is gone: the legitimate holder's tokens too.
	if st, _ := call(t, srv, at2); st != 401 {
		t.Errorf("the access token of the family still works: %d", st)
	}
	if st, _ := a.refresh(rt2); st != 400 {
		t.Errorf("the live refresh token of the family still works: %d", st)
	}
}

func TestRevokedTokenIsRefusedOnEveryReplica(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r1 := e.server()
	// Another replica of the same deployment: same public URL, same store.
	r1b := e.server(func(o *Options) { o.PublicURL = r1.url })
	a := e.register(r1, "Host")
	at, rt := a.mustExchange(a.signInAsAgent(newBrowser(t), e.agent("revoke"), ""))
	for _, r := range []*server{r1, r1b} {
		if st, _ := call(t, r, at); st != 200 {
			t.Fatalf("before: %d", st)
		}
	}
	res, err := http.PostForm(r1.url+"/revoke", url.Values{"token": {rt}, "client_id": {a.ID}})
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("revoke: %v %d", err, res.StatusCode)
	}
	for _, r := range []*server{r1, r1b} {
		if st, _ := call(t, r, at); st != 401 {
			t.Errorf("revoked token accepted: %d", st)
		}
	}
	if st, _ := a.refresh(rt); st != 400 {
		t.Errorf("revoked refresh token accepted: %d", st)
	}
	// Unknown tokens are a 200, as RFC 7009 asks.
	res, _ = http.PostForm(r1.url+"/revoke", url.Values{"token": {"nonsense"}, "client_id": {a.ID}})
	if res.StatusCode != 200 {
		t.Errorf("unknown token: %d", res.StatusCode)
	}
}

func TestExpiredTokenIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server(func(o *Options) { o.AccessTTL = time.Minute })
	a := e.register(srv, "Host")
	at, rt := a.mustExchange(a.signInAsAgent(newBrowser(t), e.agent("expire"), ""))
	e.clock.advance(59 * time.Second)
	if st, _ := call(t, srv, at); st != 200 {
		t.Fatalf("before expiry: %d", st)
	}
	e.clock.advance(2 * time.Second)
	if st, _ := call(t, srv, at); st != 401 {
		t.Fatalf("expired token accepted: %d", st)
	}
	// The refresh token outlives it and makes a working one.
	st, out := a.refresh(rt)
	if st != 200 {
		t.Fatal(out)
	}
	if st, _ := call(t, srv, out["access_token"].(string)); st != 200 {
		t.Fatalf("refreshed: %d", st)
	}
	// A code is good for a minute.
	code := a.signInAsAgent(newBrowser(t), e.agent("expire2"), "")
	e.clock.advance(61 * time.Second)
	if st, _ := a.exchange(code); st != 400 {
		t.Fatalf("expired code: %d", st)
	}
}

func TestTokenForAnotherResourceIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mine, theirs := e.server(), e.server() // two deployments sharing one store and key
	a := e.register(theirs, "Host")
	at, _ := a.mustExchange(a.signInAsAgent(newBrowser(t), e.agent("aud"), ""))
	if st, _ := call(t, theirs, at); st != 200 {
		t.Fatalf("at home: %d", st)
	}
	if st, _ := call(t, mine, at); st != 401 {
		t.Fatalf("a token for %s opened %s: %d", theirs.Resource(), mine.Resource(), st)
	}
	// And neither endpoint issues a token for another resource.
	b := newBrowser(t)
	p := b.get(a.AuthorizeURL("", "resource", "https://elsewhere.example/mcp"))
	if loc, _ := url.Parse(p.H.Get("Location")); loc == nil || loc.Query().Get("error") != "invalid_target" {
		t.Errorf("authorize for another resource: %d %s", p.Code, p.H.Get("Location"))
	}
	code := a.signInAsAgent(b, e.agent("aud2"), "")
	st, out := a.tokenReq(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {a.Verifier},
		"client_id": {a.ID}, "redirect_uri": {a.Redirect}, "resource": {"https://elsewhere.example/mcp"}})
	if st != 400 || out["error"] != "invalid_target" {
		t.Errorf("token for another resource: %d %v", st, out)
	}
}

func TestConsentFormCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	a := e.register(srv, "Host")
	victim := newBrowser(t)
	p := victim.get(a.AuthorizeURL(""))
	f := formOf(t, p.Body)
	f.Set("api_key", e.agent("csrf").key)
	p = victim.submit(srv, "/authorize/agent", f)
	consent := formOf(t, p.Body)
	consent.Set("decision", "allow")
	consent.Set("scope", "read")

	post := func(b *browser, form url.Values, origin string) oauthtest.Reply {
		req, _ := http.NewRequest(http.MethodPost, srv.url+"/authorize/consent", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return b.do(req)
	}
	// Another site posts the victim's form (the attacker knows the flow
	// and the token, say): refused by Origin.
	if r := post(victim, consent, "https://evil.example"); r.Code != 403 {
		t.Errorf("cross-site post: %d", r.Code)
	}
	// The attacker's own browser, without the victim's cookie.
	if r := post(newBrowser(t), consent, srv.url); r.Code != 403 {
		t.Errorf("post without the browser's cookie: %d", r.Code)
	}
	// A wrong token.
	bad := url.Values{}
	for k, v := range consent {
		bad[k] = v
	}
	bad.Set("csrf", strings.Repeat("A", 43))
	if r := post(victim, bad, srv.url); r.Code != 403 {
		t.Errorf("wrong CSRF token: %d", r.Code)
	}
	// A refused post consumed the flow: nothing was granted, and the app
	// never got a code.
	if r := post(victim, consent, srv.url); r.Code != 403 || r.H.Get("Location") != "" {
		t.Errorf("the flow outlived a forged consent: %d %s", r.Code, r.H.Get("Location"))
	}
	// A sign-in form is refused the same way.
	p = victim.get(a.AuthorizeURL(""))
	f = formOf(t, p.Body)
	f.Set("api_key", "hq_live_x")
	req, _ := http.NewRequest(http.MethodPost, srv.url+"/authorize/agent", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := victim.do(req); r.Code != 403 {
		t.Errorf("cross-site sign-in: %d", r.Code)
	}
}

func TestSignInBruteForceIsLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := e.server()
	ag := e.agent("brute")
	a := e.register(srv, "Host")
	b := newBrowser(t)
	try := func(key, pin string) int {
		p := b.get(a.AuthorizeURL(""))
		f := formOf(t, p.Body)
		f.Set("api_key", key)
		f.Set("pin", pin)
		return b.submit(srv, "/authorize/agent", f).Code
	}
	// Five wrong PINs for one key lock that key, even with the right PIN.
	for i := range 5 {
		if st := try(ag.key, "00000"+string(rune('0'+i))); st != 401 {
			t.Fatalf("attempt %d: %d", i, st)
		}
	}
	before := len(e.seen.all())
	if st := try(ag.key, ag.pin); st != 429 {
		t.Fatalf("after 5 failures the right PIN got %d, want 429", st)
	}
	if len(e.seen.all()) != before {
		t.Errorf("a locked sign-in still reached MyAPIHQ")
	}
	// The address is limited too, across accounts: 20 attempts per window.
	n := 6
	for ; n < 20; n++ {
		try("hq_live_guess"+randid.Hex(4), "")
	}
	if st := try(e.agent("brute2").key, ""); st != 429 {
		t.Fatalf("attempt 21 from one address: %d, want 429", st)
	}
	e.clock.advance(16 * time.Minute)
	if st := try(ag.key, ag.pin); st != 200 {
		t.Fatalf("after the window: %d", st)
	}
}

// TestLogsCarryNoSecretTheHQEchoes: a broken or hostile MyAPIHQ that
// answers with the secrets it was sent has its message logged (the
// sign-in page says only that MyAPIHQ cannot be reached), masked of the
// password, key and PIN that sign-in was given.
func TestLogsCarryNoSecretTheHQEchoes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ag := e.agent("echoed")
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "you sent " + r.Header.Get("Authorization") + " " + string(body)})
	}))
	t.Cleanup(echo.Close)
	e.hq = HQClient{New: func(c hqclient.Credentials) (*hqclient.Client, error) {
		return hqclient.New(hqclient.Options{BaseURL: echo.URL, Credentials: c, MaxAttempts: 1})
	}}
	var logs lockedBuffer
	srv := e.server(func(o *Options) { o.Log = zerolog.New(&logs) })
	a := e.register(srv, "Echo Host")
	b := newBrowser(t)
	f := formOf(t, b.get(a.AuthorizeURL("")).Body)
	f.Set("email", "ada@example.com")
	f.Set("password", "correct horse battery")
	if p := b.submit(srv, "/authorize/human", f); p.Code != http.StatusServiceUnavailable {
		t.Fatalf("a human's sign-in through the echoing HQ: %d", p.Code)
	}
	f = formOf(t, b.get(a.AuthorizeURL("")).Body)
	f.Set("api_key", ag.key)
	f.Set("pin", ag.pin)
	if p := b.submit(srv, "/authorize/agent", f); p.Code != http.StatusServiceUnavailable {
		t.Fatalf("an agent's sign-in through the echoing HQ: %d", p.Code)
	}
	out := logs.String()
	if strings.Count(out, "MyAPIHQ unreachable") != 2 || !strings.Contains(out, "you sent") {
		t.Fatalf("the failures were not logged:\n%s", out)
	}
	for _, secret := range []string{"correct horse battery", ag.key, ag.pin} {
		if strings.Contains(out, secret) {
			t.Errorf("a log line carries %q:\n%s", secret, out)
		}
	}
}

// lockedBuffer is a log sink the server's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
