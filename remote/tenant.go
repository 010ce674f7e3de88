// Package remote is the multi-tenant server's own machinery: callers named
// by a hash of their API key, a client per caller, per-caller limits, the
// state replicas share (Redis) and draining. It knows HTTP, hqclient and
// the services door's Secrets (Tenant.ServiceSecrets), not the tools.
package remote

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/services"
)

// Tenant is the caller of one request: its credentials, which live only as
// long as the request and the per-replica caches below, and the hash that
// names it everywhere else (logs, limits, Redis keys).
type Tenant struct {
	Hash string // hex SHA-256 of the API key
	// Scopes bound an OAuth caller (oauth.ScopeFor each tool); nil for an
	// API key bearer, which may call every tool.
	Scopes      []string
	OAuthClient string // the OAuth client id, for logs ("" for an API key)
	key         string
	pin         string
	client      *hqclient.Client
	creds       *credentials // the client's: it holds the JWT minted from the PIN
}

// Short is the hash prefix logs show.
func (t *Tenant) Short() string { return t.Hash[:12] }

// HasPIN says whether the caller sent a PIN (without showing it).
func (t *Tenant) HasPIN() bool { return t.pin != "" }

// AccountID asks the service whose account the PIN opens ("" without a
// PIN: the HQ API names no account from a key alone).
func (t *Tenant) AccountID(ctx context.Context) (string, error) {
	if t.pin == "" {
		return "", nil
	}
	r, err := t.client.AgentToken(ctx, t.pin)
	if err != nil {
		return "", err
	}
	if r.Data.AccountID != "" {
		return r.Data.AccountID, nil
	}
	sub, _, _ := hqclient.TokenClaims(r.Data.Token)
	return sub, nil
}

// ServiceSecrets is what the services door needs of this caller: the key
// it adds to the caller's own requests, and every credential of the caller
// it masks in answers (the key, the PIN, the JWT minted from it). The raw
// key leaves this package only here.
func (t *Tenant) ServiceSecrets() services.Secrets {
	secrets := []mask.Secret{{Kind: mask.PIN, Value: t.pin}}
	if t.creds != nil {
		secrets = append(secrets, mask.Secret{Kind: mask.Token, Value: t.creds.token()})
	}
	return services.Secrets{APIKey: t.key, Mask: secrets}
}

// Client is this caller's own hqclient: its token cache and its mint are
// never another tenant's.
func (t *Tenant) Client() *hqclient.Client { return t.client }

type tenantKey struct{}

// WithTenant puts t in ctx for the tools.
func WithTenant(ctx context.Context, t *Tenant) context.Context {
	return context.WithValue(ctx, tenantKey{}, t)
}

// TenantFrom is the request's caller, if authenticated.
func TenantFrom(ctx context.Context) (*Tenant, bool) {
	t, ok := ctx.Value(tenantKey{}).(*Tenant)
	return t, ok
}

// Hash names a secret without keeping it.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// credentials are one tenant's, for its hqclient: the key and PIN came with
// the request; a minted JWT stays in that client's memory only (and here,
// so that the services door can mask it).
type credentials struct {
	key, pin string
	mu       sync.Mutex
	jwt      string
}

func (c *credentials) Secrets(context.Context) (hqclient.Secrets, error) {
	return hqclient.Secrets{APIKey: c.key, PIN: c.pin}, nil
}

// SaveToken keeps the last JWT minted for this caller, in memory only.
func (c *credentials) SaveToken(_ context.Context, tok string, _ time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.jwt = tok
	return nil
}

func (c *credentials) token() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.jwt
}

// ErrBadCredentials: no usable API key (absent, malformed or refused).
var ErrBadCredentials = errors.New("a valid MyAPIHQ API key is required: send Authorization: Bearer <API key>")

// FromRequest reads the caller's credentials from the headers. It checks
// form only; Tenants.Resolve asks the service.
func FromRequest(r *http.Request) (key, pin string, err error) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	key = strings.TrimSpace(key)
	pin = strings.TrimSpace(r.Header.Get("X-MyAPIHQ-Agent-PIN"))
	if !ok || !printable(key, 512) || (pin != "" && !printable(pin, 256)) {
		return "", "", ErrBadCredentials
	}
	return key, pin, nil
}

func printable(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Tenants caches, per replica, a client per (key, PIN) and whether the
// service accepted the key, both keyed by hash. A validation is trusted for
// ValidFor; a refusal for RefusedFor (so a wrong key cannot make every
// request cost an HQ round trip).
type Tenants struct {
	NewClient  func(hqclient.Credentials) (*hqclient.Client, error)
	Max        int // clients kept (LRU), default 10000
	ValidFor   time.Duration
	RefusedFor time.Duration
	Now        func() time.Time

	mu      sync.Mutex
	order   *list.List // of *entry, most recent first
	entries map[string]*list.Element
	checked map[string]check // by key hash
}

type entry struct {
	id     string // hash of key and PIN
	client *hqclient.Client
	creds  *credentials
}

type check struct {
	ok    bool
	until time.Time
}

func (ts *Tenants) init() {
	if ts.entries == nil {
		ts.order, ts.entries, ts.checked = list.New(), map[string]*list.Element{}, map[string]check{}
	}
	if ts.Max <= 0 {
		ts.Max = 10000
	}
	if ts.ValidFor <= 0 {
		ts.ValidFor = time.Minute
	}
	if ts.RefusedFor <= 0 {
		ts.RefusedFor = 10 * time.Second
	}
	if ts.Now == nil {
		ts.Now = time.Now
	}
}

// Resolve returns the caller for key and PIN, asking the service whether
// the key is valid when this replica has not recently. A refused key is
// ErrBadCredentials; an unreachable service is another error.
func (ts *Tenants) Resolve(ctx context.Context, key, pin string) (*Tenant, error) {
	kh := Hash(key)
	t := &Tenant{Hash: kh, key: key, pin: pin}
	id := Hash(key + "\x00" + pin)
	e := ts.client(id)
	if e == nil {
		cr := &credentials{key: key, pin: pin}
		nc, err := ts.NewClient(cr)
		if err != nil {
			return nil, err
		}
		e = ts.keep(&entry{id, nc, cr})
	}
	t.client, t.creds = e.client, e.creds
	c := e.client
	ts.mu.Lock()
	ts.init()
	ch, known := ts.checked[kh]
	ts.mu.Unlock()
	if known && ts.Now().Before(ch.until) {
		if !ch.ok {
			return nil, ErrBadCredentials
		}
		return t, nil
	}
	// Listing orgs is the cheapest call the API key alone authorises.
	_, err := c.ListOrgs(ctx)
	if e, isHQ := hqclient.AsError(err); isHQ && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Code == hqclient.CodeNoAPIKey) {
		ts.remember(kh, false, ts.RefusedFor)
		return nil, ErrBadCredentials
	}
	if err != nil {
		// The gate logs it: a broken or hostile service may echo the key.
		return nil, mask.New(mask.Secret{Kind: mask.Key, Value: key}, mask.Secret{Kind: mask.PIN, Value: pin}).Err(err)
	}
	ts.remember(kh, true, ts.ValidFor)
	return t, nil
}

func (ts *Tenants) remember(kh string, ok bool, d time.Duration) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.init()
	if len(ts.checked) > 4*ts.Max {
		ts.checked = map[string]check{}
	}
	ts.checked[kh] = check{ok, ts.Now().Add(d)}
}

func (ts *Tenants) client(id string) *entry {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.init()
	if el, ok := ts.entries[id]; ok {
		ts.order.MoveToFront(el)
		return el.Value.(*entry)
	}
	return nil
}

// keep adds e unless another request added one first (then that one wins,
// so concurrent first calls still share one mint).
func (ts *Tenants) keep(e *entry) *entry {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.init()
	id := e.id
	if el, ok := ts.entries[id]; ok {
		return el.Value.(*entry)
	}
	ts.entries[id] = ts.order.PushFront(e)
	for ts.order.Len() > ts.Max {
		last := ts.order.Back()
		ts.order.Remove(last)
		delete(ts.entries, last.Value.(*entry).id)
	}
	return e
}

// Len is the number of clients kept.
func (ts *Tenants) Len() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.init()
	return ts.order.Len()
}
