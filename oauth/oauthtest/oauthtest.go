// Package oauthtest drives the remote mode's OAuth server as a host and a
// person's browser would, over plain HTTP: register, open the sign-in page,
// post its forms, allow, and redeem the code with PKCE. Tests of package
// oauth, of app and of e2e share it.
package oauthtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// Browser is a person's browser: a cookie jar; redirects are not followed
// (the caller reads where the server sends it).
type Browser struct{ C *http.Client }

func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{C: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Reply is an answer, read whole.
type Reply struct {
	Code int
	Body string
	H    http.Header
}

func (b *Browser) Do(req *http.Request) (Reply, error) {
	res, err := b.C.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return Reply{res.StatusCode, string(body), res.Header}, err
}

func (b *Browser) Get(u string) (Reply, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return Reply{}, err
	}
	return b.Do(req)
}

// Submit posts a form as the page's own form would: from origin.
func (b *Browser) Submit(origin, path string, form url.Values) (Reply, error) {
	req, err := http.NewRequest(http.MethodPost, origin+path, strings.NewReader(form.Encode()))
	if err != nil {
		return Reply{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	return b.Do(req)
}

var hiddenRE = regexp.MustCompile(`name="(flow|csrf)" value="([^"]+)"`)

// FormOf is the hidden fields of the page's form.
func FormOf(page string) (url.Values, error) {
	v := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], m[2])
	}
	if v.Get("flow") == "" || v.Get("csrf") == "" {
		return nil, fmt.Errorf("no form on the page:\n%s", page)
	}
	return v, nil
}

// App is an MCP host: a client with a redirect, doing PKCE S256.
type App struct {
	Base, ID, Redirect string // Base: the server's public URL
	Resource           string
	Verifier, State    string
}

// Register is RFC 7591 registration.
func Register(base, name string, redirects ...string) (*App, error) {
	if len(redirects) == 0 {
		redirects = []string{"http://127.0.0.1:33333/callback"}
	}
	body, _ := json.Marshal(map[string]any{"client_name": name, "redirect_uris": redirects})
	res, err := http.Post(base+"/register", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("register: %d %v", res.StatusCode, out)
	}
	return &App{Base: base, ID: out["client_id"].(string), Redirect: redirects[0], Resource: base + "/mcp"}, nil
}

// S256 is the PKCE transform.
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL starts a flow with a fresh verifier and state; extra are
// parameter pairs to set (an empty value removes the parameter).
func (a *App) AuthorizeURL(scope string, extra ...string) string {
	a.Verifier, a.State = randid.Hex(32), randid.Hex(8)
	q := url.Values{"response_type": {"code"}, "client_id": {a.ID}, "redirect_uri": {a.Redirect},
		"code_challenge": {S256(a.Verifier)}, "code_challenge_method": {"S256"}, "state": {a.State}, "resource": {a.Resource}}
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
	return a.Base + "/authorize?" + q.Encode()
}

// SignInAsAgent walks the pages with an agent's key and PIN, allows the
// scopes asked, and returns the code the browser is sent back with.
func (a *App) SignInAsAgent(b *Browser, key, pin, scope string) (string, error) {
	p, err := b.Get(a.AuthorizeURL(scope))
	if err != nil || p.Code != 200 {
		return "", fmt.Errorf("authorize: %v %d %s", err, p.Code, p.Body)
	}
	f, err := FormOf(p.Body)
	if err != nil {
		return "", err
	}
	f.Set("api_key", key)
	f.Set("pin", pin)
	p, err = b.Submit(a.Base, "/authorize/agent", f)
	if err != nil || p.Code != 200 || !strings.Contains(p.Body, `action="/authorize/consent"`) {
		return "", fmt.Errorf("sign-in: %v %d %s", err, p.Code, p.Body)
	}
	return a.Allow(b, p.Body, nil)
}

var checkedRE = regexp.MustCompile(`name="scope" value="(\w+)" checked`)

// Allow answers the consent page; scopes nil keeps those ticked.
func (a *App) Allow(b *Browser, consentPage string, scopes []string) (string, error) {
	f, err := FormOf(consentPage)
	if err != nil {
		return "", err
	}
	f.Set("decision", "allow")
	if scopes == nil {
		for _, m := range checkedRE.FindAllStringSubmatch(consentPage, -1) {
			f.Add("scope", m[1])
		}
	} else {
		f["scope"] = scopes
	}
	p, err := b.Submit(a.Base, "/authorize/consent", f)
	if err != nil || p.Code != http.StatusSeeOther {
		return "", fmt.Errorf("consent: %v %d %s", err, p.Code, p.Body)
	}
	loc, err := url.Parse(p.H.Get("Location"))
	if err != nil {
		return "", err
	}
	q := loc.Query()
	if q.Get("state") != a.State || q.Get("iss") != a.Base || q.Get("code") == "" {
		return "", fmt.Errorf("sent back to %s", loc)
	}
	return q.Get("code"), nil
}

// Token posts form to the token endpoint.
func (a *App) Token(form url.Values) (int, map[string]any, error) {
	res, err := http.PostForm(a.Base+"/token", form)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, nil
}

// Exchange redeems a code with the flow's verifier.
func (a *App) Exchange(code string) (int, map[string]any, error) {
	return a.Token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {a.Verifier},
		"client_id": {a.ID}, "redirect_uri": {a.Redirect}, "resource": {a.Resource}})
}

// Refresh uses a refresh token.
func (a *App) Refresh(rt string) (int, map[string]any, error) {
	return a.Token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {a.ID}})
}

// Tokens redeems a code and returns the access and refresh tokens.
func (a *App) Tokens(code string) (access, refresh string, err error) {
	st, out, err := a.Exchange(code)
	if err != nil || st != 200 {
		return "", "", fmt.Errorf("token: %v %d %v", err, st, out)
	}
	return out["access_token"].(string), out["refresh_token"].(string), nil
}

// Connect is a host registered as name at base that signs in with an
// agent's key and PIN, allows scope, and redeems the code: its access
// token.
func Connect(base, name, key, pin, scope string) (string, error) {
	a, err := Register(base, name)
	if err != nil {
		return "", err
	}
	code, err := a.SignInAsAgent(NewBrowser(), key, pin, scope)
	if err != nil {
		return "", err
	}
	at, _, err := a.Tokens(code)
	return at, err
}
