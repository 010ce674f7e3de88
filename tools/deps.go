package tools

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/services"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// Config is what the tool surface depends on from flags.
type Config struct {
	MaxTopUpCents int64 // top_up refuses more, whatever the model says (0: DefaultMaxTopUpCents)
	// ReadOnly: only read-only tools are offered, and the pipeline refuses
	// any other.
	ReadOnly bool
	// RequireConsent: where the host cannot ask the user (no elicitation),
	// consent-guarded tools refuse instead of relying on the host's own
	// approval of the call.
	RequireConsent bool
	// StateKey signs the consent questions this server asks; replicas that
	// share it accept each other's questions. nil: a random key per
	// process.
	StateKey []byte
}

// DefaultMaxTopUpCents is --max-topup-cents' default.
const DefaultMaxTopUpCents = 5000

// TopUpCap is the largest top_up allowed.
func (c Config) TopUpCap() int64 {
	if c.MaxTopUpCents <= 0 {
		return DefaultMaxTopUpCents
	}
	return c.MaxTopUpCents
}

// Deps are what handlers use. One per server process.
type Deps struct {
	Client  *hqclient.Client // the profile's agent credentials
	Store   *credentials.Store
	BaseURL string
	Sandbox bool // the embedded sandbox, not the live service
	Version string
	Config  Config
	Log     zerolog.Logger
	// NewClient makes a client with other credentials (a human's session).
	NewClient func(hqclient.Credentials) (*hqclient.Client, error)
	// Import and checkout polling: first interval, cap (defaults 250ms, 2s).
	PollMin, PollMax time.Duration
	// CheckoutWait bounds the wait for the human on the checkout page
	// (0: DefaultCheckoutWait).
	CheckoutWait time.Duration
	// LegacyCannotAsk: a client of the initialize era cannot be asked
	// anything (the multi-tenant mode without pinned sessions, where its
	// answer could reach another replica): it gets the checkout link.
	LegacyCannotAsk bool

	// Door reaches the other services with the key added (nil: the
	// services tools say it is not configured); EnvFileDir is
	// write_env_file's folder when the client shares no roots.
	Door       *services.Door
	EnvFileDir string

	// Budget limits spending across the charging tools (nil: no limit).
	Budget toolkit.Budget
	// Retries and Nonces hold the little state a call leaves behind (nil:
	// in memory, for one process).
	Retries toolkit.RetryStore
	Nonces  toolkit.NonceStore
	// Identity names the client a call comes from, for what belongs to one
	// client (a human login, retry keys). nil: the MCP session id.
	Identity func(ctx context.Context) (client string, ok bool)
	// ClientFor is the caller's own client, where each request brings its
	// credentials (the multi-tenant mode's "client" step puts it in the
	// call's context). nil: Client, the profile's.
	ClientFor func(ctx context.Context) (*hqclient.Client, error)
	// Caller is the request's caller, where each request brings its
	// credentials (the multi-tenant mode's whoami).
	Caller func(ctx context.Context) (Caller, bool)
	// Secrets are the caller's own secrets to mask in every answer, where
	// each request brings its credentials (the multi-tenant mode); the
	// profile's stored ones are masked without it.
	Secrets func(ctx context.Context) []mask.Secret
	// ScopesWithheld are the OAuth scopes the caller's connection was not
	// allowed (nil: every one, or a caller no scope binds, as an API key's
	// bearer): a tool whose answer is worth every scope checks it.
	ScopesWithheld func(ctx context.Context) []string
	// Trail is the caller's audit trail (nil: none; an audited call then
	// says its entry was not written).
	Trail func(ctx context.Context) Trail
	// Offered are the tools this server offers (nil: every tool): next
	// steps name no other.
	Offered map[string]bool
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	once       sync.Once
	consent    *toolkit.Consent
	humans     humans
	lastMasker struct {
		sync.Mutex
		secrets []mask.Secret
		m       *mask.Masker
	}
}

func (d *Deps) init() {
	d.once.Do(func() {
		if d.Retries == nil {
			d.Retries = toolkit.NewMemoryRetries(d.now)
		}
		d.consent = toolkit.NewConsent(toolkit.Consent{Key: d.Config.StateKey, Nonces: d.Nonces, Require: d.Config.RequireConsent,
			Now: d.now, Log: d.Log})
	})
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Consent is the server's consent signer (write_env_file asks itself).
func (d *Deps) Consent() *toolkit.Consent {
	d.init()
	return d.consent
}

// Offer records the tools this server offers.
func (d *Deps) Offer(tools []toolkit.Tool) {
	d.Offered = map[string]bool{}
	for _, t := range tools {
		d.Offered[t.Name] = true
	}
}

// offers: the server offers the named tool.
func (d *Deps) offers(name string) bool { return d.Offered == nil || d.Offered[name] }

type clientKey struct{}

// client is the client a handler acts with: the caller's (ClientFor), put
// in ctx by the "client" step, or the profile's.
func (d *Deps) client(ctx context.Context) *hqclient.Client {
	if c, ok := ctx.Value(clientKey{}).(*hqclient.Client); ok {
		return c
	}
	return d.Client
}

// bind gives a handler written as a function of the deps its deps.
func (d *Deps) bind(f func(context.Context, *Deps, toolkit.Args) (*mcp.CallToolResult, error)) toolkit.Handler {
	return func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) { return f(ctx, d, a) }
}

// masker masks this call's known secrets: the profile's stored ones and
// this client's human password, or the caller's own in the multi-tenant
// mode (Secrets).
func (d *Deps) masker(ctx context.Context) *mask.Masker {
	var secrets []mask.Secret
	if d.Secrets != nil {
		secrets = d.Secrets(ctx)
	}
	if d.Store != nil {
		v, _ := d.Store.Get(ctx)
		secrets = append(secrets, mask.Secret{Kind: mask.PIN, Value: v.PIN}, mask.Secret{Kind: mask.Key, Value: v.APIKey},
			mask.Secret{Kind: mask.Token, Value: v.Token})
	}
	secrets = append(secrets, mask.Secret{Kind: mask.PIN, Value: d.humanPassword(ctx)})
	// The same secrets, call after call: their masker (base64 forms of
	// each) is made once. BenchmarkWrapper/known_secrets: 69 allocations
	// and 8.8 KB a call without this, 5 (the store read) with it.
	d.lastMasker.Lock()
	defer d.lastMasker.Unlock()
	if m := d.lastMasker.m; m != nil && slices.Equal(d.lastMasker.secrets, secrets) {
		return m
	}
	d.lastMasker.secrets, d.lastMasker.m = secrets, mask.New(secrets...)
	return d.lastMasker.m
}

// scopesWithheld are the OAuth scopes this call's connection lacks (nil
// outside OAuth).
func (d *Deps) scopesWithheld(ctx context.Context) []string {
	if d.ScopesWithheld == nil {
		return nil
	}
	return d.ScopesWithheld(ctx)
}
