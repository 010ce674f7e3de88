package oauth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// Defaults of the lifetimes the operator sets (--oauth-access-ttl,
// --oauth-refresh-ttl).
const (
	DefaultAccessTTL  = 10 * time.Minute
	DefaultRefreshTTL = 30 * 24 * time.Hour
)

// Options configure a Server. Zero durations take the defaults shown.
type Options struct {
	// PublicURL is the URL hosts reach (https, or http on loopback): the
	// issuer, and with ResourcePath the resource tokens are bound to.
	PublicURL    string
	ResourcePath string // "/mcp"
	// StateKey seals every stored record (MYAPI_STATE_KEY, the same on
	// every replica); at least 32 bytes.
	StateKey []byte
	Store    Store // MemoryStore when nil
	HQ       HQ
	Log      zerolog.Logger
	Now      func() time.Time

	AccessTTL  time.Duration // DefaultAccessTTL: access tokens
	RefreshTTL time.Duration // DefaultRefreshTTL: a grant unused this long ends
	CodeTTL    time.Duration // 1m
	FlowTTL    time.Duration // 10m: from the sign-in page to the consent

	// AllowPrivateClientMetadata lets client metadata documents live on
	// loopback and private addresses, and on plain http: tests only.
	AllowPrivateClientMetadata bool
	// MetadataClient fetches client metadata documents (tests: one that
	// trusts their CA). Its dialer should refuse private addresses unless
	// AllowPrivateClientMetadata; New's default does.
	MetadataClient *http.Client
	// TrustedProxies are the balancers whose X-Forwarded-For names the
	// client (rate limits by address); empty: the peer address is the client.
	TrustedProxies []netip.Prefix
	// Limits on sign-in attempts, registrations and metadata fetches.
	Limits Limits
}

// Limits bound what one address or one account may try.
type Limits struct {
	SignInPerAddress   int64         // 20 sign-in attempts per Window per address
	FailuresPerAccount int64         // 5 failed sign-ins per Window per key, email or agent
	RegisterPerAddress int64         // 10 registrations per Window per address
	FetchPerAddress    int64         // 30 metadata documents fetched per Window per address
	Window             time.Duration // 15m
}

// Server is the authorization server and the resource server's token check.
type Server struct {
	o        Options
	issuer   string // PublicURL without a trailing slash
	resource string // issuer + ResourcePath
	origin   string // scheme://host of the issuer
	secure   bool   // https: cookies are Secure and __Host-
	seal     *sealer
	store    Store
	fetch    *http.Client
	docs     docCache
	prmPath  string
	log      zerolog.Logger
}

// New checks the options and builds the server.
func New(o Options) (*Server, error) {
	issuer, err := CheckPublicURL(o.PublicURL)
	if err != nil {
		return nil, err
	}
	if o.HQ == nil {
		return nil, errors.New("oauth: no HQ")
	}
	sl, err := newSealer(o.StateKey)
	if err != nil {
		return nil, fmt.Errorf("MYAPI_STATE_KEY: %w", err)
	}
	if o.ResourcePath == "" {
		o.ResourcePath = "/mcp"
	}
	if o.Store == nil {
		o.Store = &MemoryStore{Now: o.Now}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.AccessTTL, DefaultAccessTTL)
	def(&o.RefreshTTL, DefaultRefreshTTL)
	def(&o.CodeTTL, time.Minute)
	def(&o.FlowTTL, 10*time.Minute)
	def(&o.Limits.Window, 15*time.Minute)
	defN := func(n *int64, v int64) {
		if *n <= 0 {
			*n = v
		}
	}
	defN(&o.Limits.SignInPerAddress, 20)
	defN(&o.Limits.FailuresPerAccount, 5)
	defN(&o.Limits.RegisterPerAddress, 10)
	defN(&o.Limits.FetchPerAddress, 30)
	u, _ := url.Parse(issuer)
	s := &Server{o: o, issuer: issuer, resource: issuer + o.ResourcePath, origin: u.Scheme + "://" + u.Host,
		secure: u.Scheme == "https", seal: sl, store: o.Store, log: o.Log}
	s.prmPath = "/.well-known/oauth-protected-resource" + o.ResourcePath
	s.fetch = o.MetadataClient
	if s.fetch == nil {
		s.fetch = metadataClient(o.AllowPrivateClientMetadata)
	}
	return s, nil
}

// CheckPublicURL is the rule for --public-url: an absolute https URL, or
// http on a loopback host, at the root of its host (the well-known paths
// are at the root); no user info, query or fragment. It returns the URL
// without a trailing slash (the issuer).
func CheckPublicURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") {
		return "", errors.New("--public-url: want the URL hosts reach, e.g. https://mcp.example.com (no path, user info, query or fragment)")
	}
	if h := strings.ToLower(u.Hostname()); h == "invalid" || strings.HasSuffix(h, ".invalid") {
		// deploy/kubernetes's placeholder: such a name never resolves (RFC 6761).
		return "", errors.New("--public-url: " + u.Host + " is a placeholder (deploy/kubernetes): give the https URL hosts reach, the Ingress's host")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopback.Host(u.Hostname()) {
			return "", errors.New("--public-url: plain http only on a loopback host (127.0.0.1, [::1], localhost): put TLS in front and give its https URL")
		}
	default:
		return "", errors.New("--public-url: want an https:// URL")
	}
	u.Path = ""
	return u.String(), nil
}

// Resource is the resource identifier tokens are bound to.
func (s *Server) Resource() string { return s.resource }

// Issuer is the authorization server's identifier.
func (s *Server) Issuer() string { return s.issuer }

// Handler serves the metadata, the authorization endpoint and its pages,
// the token, registration and revocation endpoints. The remote mode mounts
// it beside /mcp at the same origin.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	prm := s.protectedResourceMetadata()
	mux.Handle("/.well-known/oauth-protected-resource", prm)
	mux.Handle(s.prmPath, prm)
	mux.HandleFunc(s.wellKnownAS(), s.authorizationServerMetadata)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /authorize/agent", s.signInAgent)
	mux.HandleFunc("POST /authorize/human", s.signInHuman)
	mux.HandleFunc("POST /authorize/choose", s.chooseAgent)
	mux.HandleFunc("POST /authorize/consent", s.consent)
	mux.HandleFunc("GET /authorize/style.css", s.style)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /register", s.register)
	mux.HandleFunc("POST /revoke", s.revoke)
	mux.HandleFunc("OPTIONS /token", s.preflight)
	mux.HandleFunc("OPTIONS /register", s.preflight)
	mux.HandleFunc("OPTIONS /revoke", s.preflight)
	return mux
}

// Paths is every path Handler serves (the remote mode routes them here).
func (s *Server) Paths() []string { return Routes(s.o.ResourcePath) }

// Routes is every path a server protecting resourcePath serves; one that
// ends in "/" stands for everything under it. A balancer in front routes
// these, besides the resource itself (deploy/kubernetes/ingress.yaml,
// whose test reads this list).
func Routes(resourcePath string) []string {
	return []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource" + resourcePath,
		"/.well-known/oauth-authorization-server", "/authorize", "/authorize/", "/token", "/register", "/revoke"}
}

// randomSecret is 32 random bytes, base64url: CSRF tokens, PKCE
// verifiers, the secret part of codes and tokens.
func randomSecret() string { return base64.RawURLEncoding.EncodeToString(randid.Bytes(32)) }

func (s *Server) now() time.Time { return s.o.Now() }

// logged is how text a client chose (its id, a URL; its name) goes into a
// log line: one line, clipped, without a URL's user info.
func logged(s string) string { return mask.URLs(textsafe.Line(s, 200)) }

// storeErr logs a store failure and answers 503: state the server cannot
// read or write is never guessed at.
func (s *Server) storeErr(w http.ResponseWriter, err error) {
	s.log.Error().Err(err).Msg("oauth: state store unavailable")
	w.Header().Set("Retry-After", "1")
	http.Error(w, "the sign-in state is unavailable: retry shortly", http.StatusServiceUnavailable)
}
