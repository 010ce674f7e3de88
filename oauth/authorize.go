package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// flow is one sign-in in progress, from the authorization request to the
// consent: what the client asked for, which browser holds it, and (after
// sign-in) the credentials the grant will act with. Sealed in the store
// for FlowTTL; consumed by the consent.
type flow struct {
	ID         string    `json:"id"`
	Client     string    `json:"client"`
	ClientName string    `json:"client_name,omitempty"`
	Document   bool      `json:"document,omitempty"`
	Redirect   string    `json:"redirect"`
	State      string    `json:"state,omitempty"`
	Challenge  string    `json:"challenge"`
	Scopes     []string  `json:"scopes"`
	Browser    string    `json:"browser"` // hash of the browser's cookie
	CSRF       string    `json:"csrf"`
	Stage      string    `json:"stage"` // signin, choose, consent
	Agents     []Account `json:"agents,omitempty"`
	Account    Account   `json:"account"`
	Key        string    `json:"key,omitempty"`
	PIN        string    `json:"pin,omitempty"`
	MintKey    bool      `json:"mint_key,omitempty"` // human path: make a key at consent
}

// validChallenge: a PKCE S256 challenge is the base64url of 32 bytes.
func validChallenge(c string) bool { return len(c) == 43 && onlyFrom(c, "-_") }

// onlyFrom says whether s holds only ASCII letters, digits and extra.
func onlyFrom(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

// authorize is the authorization endpoint (GET): it checks the request,
// starts a flow and shows the sign-in page. Until the client and its
// redirect_uri are known good, errors are shown here, never redirected.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "code_challenge", "code_challenge_method", "state", "scope", "resource"} {
		if len(q[k]) > 1 {
			s.errorPage(w, http.StatusBadRequest, "The request repeats the parameter "+k+".")
			return
		}
	}
	ctx := r.Context()
	c, err := s.lookupClient(ctx, r, q.Get("client_id"))
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "The app's identity could not be checked: "+err.Error())
		return
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" || !redirectMatches(c.RedirectURIs, redirect) {
		s.errorPage(w, http.StatusBadRequest, "The app asked to be sent back to an address it did not register. Nothing was sent there.")
		return
	}
	back := func(code, desc string) {
		s.redirectBack(w, r, redirect, url.Values{"error": {code}, "error_description": {desc}, "state": {q.Get("state")}})
	}
	if q.Get("response_type") != "code" {
		back("unsupported_response_type", "only response_type=code is offered")
		return
	}
	if q.Get("code_challenge_method") != "S256" {
		back("invalid_request", "PKCE with code_challenge_method=S256 is required (plain is refused)")
		return
	}
	if !validChallenge(q.Get("code_challenge")) {
		back("invalid_request", "code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)")
		return
	}
	if res := q.Get("resource"); res != "" && res != s.resource {
		back("invalid_target", "this server issues tokens only for "+s.resource)
		return
	}
	scopes, ok := parseScopes(q.Get("scope"))
	if !ok {
		back("invalid_scope", "the scopes offered are read, write and billing")
		return
	}
	if len(q.Get("state")) > 1000 {
		back("invalid_request", "state is longer than 1000 characters")
		return
	}
	// Each page view stores a flow: bounded per address, so nobody fills
	// the store with sign-ins they never finish.
	if n, err := s.store.Incr(ctx, "rl:flow:"+s.limitAddr(r), s.o.Limits.Window); err != nil {
		s.storeErr(w, err)
		return
	} else if n > 3*s.o.Limits.SignInPerAddress {
		w.Header().Set("Retry-After", fmt.Sprint(int(s.o.Limits.Window.Seconds())))
		s.errorPage(w, http.StatusTooManyRequests, "Too many sign-ins started from your address. Wait a few minutes and try again.")
		return
	}
	browser := s.browserCookie(w, r)
	f := &flow{ID: randid.Hex(16), Client: c.ID, ClientName: c.Name, Document: c.Document, Redirect: redirect,
		State: q.Get("state"), Challenge: q.Get("code_challenge"), Scopes: scopes, Browser: hashHex(browser),
		CSRF: randomSecret(), Stage: "signin"}
	if err := s.putRecord(ctx, "flow:"+f.ID, f, s.o.FlowTTL); err != nil {
		s.storeErr(w, err)
		return
	}
	s.render(w, http.StatusOK, "signin", s.pageFor(f, "Connect to MyAPIHQ"), "")
}

// redirectBack sends the browser to the client's (checked) redirect_uri
// with v and the issuer (RFC 9207, against mix-up).
func (s *Server) redirectBack(w http.ResponseWriter, r *http.Request, redirect string, v url.Values) {
	u, err := url.Parse(redirect)
	if err != nil {
		s.errorPage(w, http.StatusBadRequest, "The app's redirect address is unusable.")
		return
	}
	q := u.Query()
	for k, vs := range v {
		if len(vs) == 1 && vs[0] != "" {
			q.Set(k, vs[0])
		}
	}
	q.Set("iss", s.issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// The browser binding: a random cookie set by the authorization request;
// each flow keeps its hash, and every form post must come with it. A form
// posted from another site (or a flow id lifted from someone else's page)
// lacks it. The cookie is Lax (sent on the top-level GET that starts a
// flow, never on another site's POST), HttpOnly, and __Host- when https.

func (s *Server) cookieName() string {
	if s.secure {
		return "__Host-myapihq-oauth"
	}
	return "myapihq-oauth"
}

func (s *Server) browserCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cookieName()); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	v := randomSecret()
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: v, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.o.FlowTTL.Seconds()) * 6})
	return v
}

func hashHex(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

var errForm = errors.New("this form is not the one this server showed your browser (expired, posted from elsewhere, or already used): start again from the app")

// formFlow is the flow a posted form continues, after the CSRF checks: the
// form's token, the browser's cookie, and (when the browser sends them)
// Origin and Sec-Fetch-Site. take consumes the flow (the consent: one
// answer per flow, whichever replica gets it).
func (s *Server) formFlow(r *http.Request, stage string, take bool) (*flow, error) {
	if o := r.Header.Get("Origin"); o != "" && o != s.origin {
		return nil, errForm
	}
	if sf := r.Header.Get("Sec-Fetch-Site"); sf != "" && sf != "same-origin" {
		return nil, errForm
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return nil, errForm
	}
	id := r.PostFormValue("flow")
	if len(id) != 32 {
		return nil, errForm
	}
	var f flow
	var err error
	if take {
		err = s.takeRecord(r.Context(), "flow:"+id, &f)
	} else {
		err = s.getRecord(r.Context(), "flow:"+id, &f)
	}
	if errors.Is(err, ErrNotFound) {
		return nil, errForm
	}
	if err != nil {
		return nil, err
	}
	c, cerr := r.Cookie(s.cookieName())
	if cerr != nil || subtle.ConstantTimeCompare([]byte(hashHex(c.Value)), []byte(f.Browser)) != 1 ||
		subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(f.CSRF)) != 1 || f.Stage != stage {
		return nil, errForm
	}
	return &f, nil
}
