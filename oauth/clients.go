package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/netguard"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// A client is an app that asks to act for someone: a host registered by
// RFC 7591 (its id is ours, "mcpc_…") or one whose id is the https URL of
// its metadata document (Client ID Metadata Documents). Everything a client
// says about itself is hostile: its name is clipped and escaped wherever it
// is shown, its logo is never loaded.
type client struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirect_uris"`
	Document     bool     `json:"document,omitempty"` // from a metadata document
}

const (
	clientPrefix  = "mcpc_"
	maxDocument   = 64 << 10
	fetchTimeout  = 5 * time.Second
	docCacheTTL   = 5 * time.Minute
	docCacheSize  = 1000
	maxRedirects  = 10
	maxClientName = 80
)

// lookupClient finds the client of an authorization request.
func (s *Server) lookupClient(ctx context.Context, r *http.Request, id string) (*client, error) {
	switch {
	case strings.HasPrefix(id, clientPrefix) && len(id) == len(clientPrefix)+32:
		// A registration from before client ids carried their metadata.
		var c client
		if err := s.getRecord(ctx, "client:"+id, &c); err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil, errors.New("this client_id is not registered here (registrations are forgotten after 90 days unused): register again")
			}
			return nil, err
		}
		return &c, nil
	case strings.HasPrefix(id, clientPrefix) && len(id) <= maxClientID:
		return s.openClientID(id)
	case strings.HasPrefix(id, "https://") || (s.o.AllowPrivateClientMetadata && strings.HasPrefix(id, "http://")):
		return s.clientDocument(ctx, r, id)
	}
	return nil, errors.New("unknown client_id: register (POST /register) or use the https URL of a client metadata document")
}

// register is RFC 7591 dynamic client registration, for public clients
// only: no secret is issued, and the token endpoint takes none.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	cors(w)
	fail := func(code int, e, desc string) {
		writeJSON(w, code, map[string]string{"error": e, "error_description": desc})
	}
	n, err := s.store.Incr(r.Context(), "rl:register:"+s.limitAddr(r), s.o.Limits.Window)
	if err != nil {
		s.storeErr(w, err)
		return
	}
	if n > s.o.Limits.RegisterPerAddress {
		w.Header().Set("Retry-After", fmt.Sprint(int(s.o.Limits.Window.Seconds())))
		fail(http.StatusTooManyRequests, "too_many_requests", "too many registrations from this address: retry later")
		return
	}
	var in struct {
		RedirectURIs            []string `json:"redirect_uris"`
		ClientName              string   `json:"client_name"`
		TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
		GrantTypes              []string `json:"grant_types"`
		ResponseTypes           []string `json:"response_types"`
		Scope                   string   `json:"scope"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<10+1))
	if err != nil || len(body) > 16<<10 || json.Unmarshal(body, &in) != nil {
		fail(http.StatusBadRequest, "invalid_client_metadata", "the body must be a JSON object of at most 16 KiB")
		return
	}
	c, err := checkClientMetadata(in.RedirectURIs, in.GrantTypes, in.ResponseTypes)
	if err != nil {
		fail(http.StatusBadRequest, "invalid_redirect_uri", err.Error())
		return
	}
	if in.TokenEndpointAuthMethod != "" && in.TokenEndpointAuthMethod != "none" &&
		in.TokenEndpointAuthMethod != "client_secret_basic" && in.TokenEndpointAuthMethod != "client_secret_post" {
		fail(http.StatusBadRequest, "invalid_client_metadata", "only public clients are registered here: token_endpoint_auth_method none")
		return
	}
	if n := redirectBytes(c.RedirectURIs); n > maxRedirectBytes {
		fail(http.StatusBadRequest, "invalid_redirect_uri", fmt.Sprintf("redirect_uris take %d bytes; at most %d are registered here", n, maxRedirectBytes))
		return
	}
	c.Name = textsafe.Line(in.ClientName, maxClientName)
	c.ID = s.sealClientID(c)
	s.log.Info().Str("client", logged(c.ID)).Str("client_name", logged(c.Name)).Str("addr", s.clientAddr(r)).Msg("oauth: client registered")
	out := map[string]any{
		"client_id":                  c.ID,
		"client_id_issued_at":        s.now().Unix(),
		"redirect_uris":              c.RedirectURIs,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
	}
	if c.Name != "" {
		out["client_name"] = c.Name
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, out)
}

// A registered client's id is its registration: its name and redirect
// URIs sealed under the state key (seal.go), so registering stores nothing.
// Registration is open to anyone; what it stored was a lever on the store
// every replica shares (~16 KB for 90 days a registration, full Redis
// refusing the writes sign-ins and consent answers need). The seal makes
// the id unforgeable: redirect URIs only this server accepted.
const (
	clientIDPurpose  = "client id v1"
	maxRedirectBytes = 2 << 10 // a registration's redirect URIs, together
	maxClientID      = 4 << 10 // longer than any id sealClientID makes
)

type sealedClient struct {
	Name      string   `json:"n,omitempty"`
	Redirects []string `json:"r"`
}

func (s *Server) sealClientID(c *client) string {
	b, _ := json.Marshal(sealedClient{Name: c.Name, Redirects: c.RedirectURIs}) // strings always encode
	return clientPrefix + base64.RawURLEncoding.EncodeToString(s.seal.seal(clientIDPurpose, b))
}

func (s *Server) openClientID(id string) (*client, error) {
	refused := errors.New("this client_id was not issued here (or the server's MYAPI_STATE_KEY changed since): register again")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(id, clientPrefix))
	if err != nil {
		return nil, refused
	}
	b, err := s.seal.open(clientIDPurpose, raw)
	var sc sealedClient
	if err != nil || json.Unmarshal(b, &sc) != nil || len(sc.Redirects) == 0 {
		return nil, refused
	}
	return &client{ID: id, Name: sc.Name, RedirectURIs: sc.Redirects}, nil
}

func redirectBytes(uris []string) int {
	n := 0
	for _, u := range uris {
		n += len(u)
	}
	return n
}

// checkClientMetadata is the part of a registration or metadata document
// the server relies on.
func checkClientMetadata(redirects, grants, responses []string) (*client, error) {
	if len(redirects) == 0 || len(redirects) > maxRedirects {
		return nil, fmt.Errorf("redirect_uris must list 1 to %d URIs", maxRedirects)
	}
	for _, u := range redirects {
		if err := checkRedirectURI(u); err != nil {
			return nil, err
		}
	}
	for _, g := range grants {
		if g != "authorization_code" && g != "refresh_token" {
			return nil, errors.New("grant_types: only authorization_code and refresh_token are offered")
		}
	}
	for _, rt := range responses {
		if rt != "code" {
			return nil, errors.New("response_types: only code is offered")
		}
	}
	return &client{RedirectURIs: slices.Clone(redirects)}, nil
}

// Client ID Metadata Documents: the client_id is an https URL the server
// fetches. That fetch is a request to a URL anyone chose, so: https only,
// never to loopback, private or link-local addresses (checked on the name
// as written and again on the address dialled, against DNS rebinding), no
// redirect followed, at most 64 KiB within 5 s, per-address limits, and a
// small cache so one client's sign-ins do not fetch again and again.

// checkDocumentURL is the rule for a client_id that is a URL.
func (s *Server) checkDocumentURL(id string) (*url.URL, error) {
	u, err := url.Parse(id)
	if err != nil || len(id) > 2000 || u.Host == "" || u.User != nil || u.Fragment != "" || u.RawQuery != "" ||
		u.Path == "" || u.Path == "/" || strings.Contains(u.Path, "/./") || strings.Contains(u.Path, "/../") ||
		strings.HasSuffix(u.Path, "/.") || strings.HasSuffix(u.Path, "/..") {
		return nil, errors.New("a client_id URL must be an https URL with a path, and no query, fragment or user info")
	}
	if !asciiHost(u) {
		return nil, errors.New("a client_id URL's host must be written in ASCII (punycode for an internationalised name): the consent page shows it")
	}
	if u.Scheme != "https" && !(s.o.AllowPrivateClientMetadata && u.Scheme == "http") {
		return nil, errors.New("a client_id URL must be https")
	}
	if !s.o.AllowPrivateClientMetadata {
		if why := netguard.HostReason(u.Hostname()); why != "" {
			return nil, fmt.Errorf("the client metadata document is on %s: refused", why)
		}
	}
	return u, nil
}

// metadataClient fetches documents: no proxy (a proxy would dial for us,
// past the check), no redirects, private addresses refused at dial time.
func metadataClient(allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: fetchTimeout}
	if !allowPrivate {
		d.ControlContext = netguard.Control
	}
	return &http.Client{
		Transport: &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: fetchTimeout,
			ResponseHeaderTimeout: fetchTimeout, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       fetchTimeout,
	}
}

type docCache struct {
	mu sync.Mutex
	m  map[string]docEntry
}

type docEntry struct {
	c     *client
	until time.Time
}

func (s *Server) clientDocument(ctx context.Context, r *http.Request, id string) (*client, error) {
	u, err := s.checkDocumentURL(id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	s.docs.mu.Lock()
	e, ok := s.docs.m[id]
	s.docs.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.c, nil
	}
	n, err := s.store.Incr(ctx, "rl:fetch:"+s.limitAddr(r), s.o.Limits.Window)
	if err != nil {
		return nil, err
	}
	if n > s.o.Limits.FetchPerAddress {
		return nil, errors.New("too many client metadata documents fetched for this address: retry later")
	}
	c, err := s.fetchDocument(ctx, u)
	if err != nil {
		s.log.Warn().Str("client", logged(id)).Err(mask.New().Err(err)).Msg("oauth: client metadata document refused")
		return nil, err
	}
	s.docs.mu.Lock()
	if s.docs.m == nil || len(s.docs.m) >= docCacheSize {
		s.docs.m = map[string]docEntry{}
	}
	s.docs.m[id] = docEntry{c, now.Add(docCacheTTL)}
	s.docs.mu.Unlock()
	return c, nil
}

func (s *Server) fetchDocument(ctx context.Context, u *url.URL) (*client, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := s.fetch.Do(req)
	if err != nil {
		if why, ok := netguard.Refused(err); ok {
			return nil, fmt.Errorf("the client metadata document was refused: %s", why)
		}
		return nil, errors.New("the client metadata document could not be fetched")
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the client metadata document answered %d (redirects are not followed)", res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocument+1))
	if err != nil || len(body) > maxDocument {
		return nil, errors.New("the client metadata document is unreadable or larger than 64 KiB")
	}
	var doc struct {
		ClientID                string   `json:"client_id"`
		ClientName              string   `json:"client_name"`
		RedirectURIs            []string `json:"redirect_uris"`
		TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
		GrantTypes              []string `json:"grant_types"`
		ResponseTypes           []string `json:"response_types"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil, errors.New("the client metadata document is not a JSON object")
	}
	if doc.ClientID != u.String() {
		return nil, errors.New("the client metadata document's client_id is not its own URL")
	}
	if doc.TokenEndpointAuthMethod != "" && doc.TokenEndpointAuthMethod != "none" {
		return nil, errors.New("only public clients (token_endpoint_auth_method none) are served")
	}
	c, err := checkClientMetadata(doc.RedirectURIs, doc.GrantTypes, doc.ResponseTypes)
	if err != nil {
		return nil, err
	}
	c.ID, c.Name, c.Document = doc.ClientID, textsafe.Line(doc.ClientName, maxClientName), true
	return c, nil
}
