package tools

import (
	"context"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/services"
)

// Config is what the tool surface depends on from flags.
type Config struct {
	MaxTopUpCents int64 // top_up refuses more, whatever the model says
	// RequireConsent: where the host cannot ask the user (no elicitation),
	// consent-guarded tools refuse instead of relying on the host's own
	// approval of the call.
	RequireConsent bool
	// StateKey signs the consent questions this server asks (requestState);
	// replicas that share it accept each other's questions. nil: a random
	// key per process.
	StateKey []byte
}

// DefaultMaxTopUpCents is --max-topup-cents' default.
const DefaultMaxTopUpCents = 5000

// Deps are what handlers use. One per server process.
type Deps struct {
	Client  *hqclient.Client // the profile's agent credentials
	Store   *credentials.Store
	BaseURL string
	Sandbox bool // the embedded sandbox, not the live service
	Config  Config
	Log     zerolog.Logger
	// NewClient makes a client with other credentials (a human's session).
	NewClient func(hqclient.Credentials) (*hqclient.Client, error)
	// Import polling: first interval, cap (defaults 250ms, 2s).
	PollMin, PollMax time.Duration

	// Door reaches the other services with the key added (nil: the
	// services tools say it is not configured); EnvFileDir is
	// write_env_file's folder when the client shares no roots.
	Door       *services.Door
	EnvFileDir string

	// Budget limits spending across the charging tools (nil: no limit).
	Budget Budget
	// Retries and Nonces hold the little state a call leaves behind (nil:
	// in memory, for one process).
	Retries RetryStore
	Nonces  NonceStore
	// Identity names the client a call comes from, for what belongs to one
	// client (a human login, retry keys). nil: the MCP session id; ok is
	// false where the transport gives none (a 2026-07-28 HTTP request).
	Identity func(ctx context.Context) (client string, ok bool)
	// ClientFor is the caller's own client, where each request brings its
	// credentials (the multi-tenant mode): its token cache and its mint
	// are its own. nil: Client, the profile's.
	ClientFor func(ctx context.Context) (*hqclient.Client, error)
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	once   sync.Once
	mem    *memoryRetries
	nonces *memoryNonces
	key    []byte
	humans humans
}

func (d *Deps) init() {
	d.once.Do(func() {
		d.mem = newMemoryRetries(d.now)
		d.nonces = &memoryNonces{now: d.now}
		d.key = d.Config.StateKey
		if len(d.key) == 0 {
			d.key = randid.Bytes(32)
		}
	})
}

func (d *Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deps) retries() RetryStore {
	if d.Retries != nil {
		return d.Retries
	}
	d.init()
	return d.mem
}

func (d *Deps) nonceStore() NonceStore {
	if d.Nonces != nil {
		return d.Nonces
	}
	d.init()
	return d.nonces
}

func (d *Deps) stateKey() []byte {
	d.init()
	return d.key
}

type clientKey struct{}

// client is the client a handler acts with: the caller's (ClientFor), put
// in ctx by the wrapper, or the profile's.
func (d *Deps) client(ctx context.Context) *hqclient.Client {
	if c, ok := ctx.Value(clientKey{}).(*hqclient.Client); ok {
		return c
	}
	return d.Client
}
