// Package sandbox is a stateful, offline implementation of the MyAPIHQ HQ API
// (docs/api.md), in the spirit of stripe-mock and LocalStack but with
// behaviour: accounts, keys, orgs, webhooks that really fire, billing and
// asynchronous brand imports. It is an http.Handler, so tests mount it on
// httptest; ListenAndServe runs it as the `sandbox` subcommand.
//
// It imports nothing else from this module: it stands for the real service.
package sandbox

import (
	"context"
	"net/http"
	"time"
)

// Defaults of the options a user may set (the flag table shows them).
const (
	DefaultAddr        = "127.0.0.1:8787"
	DefaultTokenTTL    = 15 * time.Minute
	DefaultRateLimit   = 1000 // requests per second per credential
	DefaultImportDelay = 2 * time.Second
)

// Options configure a sandbox. The zero value is a working in-memory sandbox.
type Options struct {
	// StatePath is the SQLite file that holds the state; "" keeps it in memory.
	// Several processes may share one file.
	StatePath string
	// TokenTTL is the lifetime of issued JWTs (default 15m).
	TokenTTL time.Duration
	// ImportDelay is how long a brand import stays queued, then processing
	// (default 2s; 0 finishes at once).
	ImportDelay time.Duration
	// ImportPriceCents is charged when an import job is created (default 25).
	ImportPriceCents int64
	// RateLimit is requests per second per credential (default 1000);
	// negative disables it. RateBurst defaults to 5×RateLimit.
	RateLimit float64
	RateBurst int
	// PublicURL is the base used in links the sandbox mails or returns
	// (checkout, verification); default: taken from each request's Host.
	PublicURL string
	// Webhook delivery: attempts per event (default 5), first retry delay
	// (default 1s, doubling), per-attempt timeout (default 5s).
	WebhookMaxAttempts int
	WebhookRetryBase   time.Duration
	WebhookTimeout     time.Duration
	// WebhookClient sends deliveries (default: one that refuses private
	// destinations when it dials); no client follows redirects.
	WebhookClient *http.Client
	// AllowPrivateWebhooks lets webhooks target loopback, private, link-local
	// and other non-public addresses (tests, local receivers). Off by default:
	// deliveries come from the machine the sandbox runs on.
	AllowPrivateWebhooks bool
	// AllowRemote lets Serve listen beyond loopback and the sandbox answer a
	// Host other than a loopback one (the address clients reach it by).
	AllowRemote bool
	// PasswordIterations for PBKDF2-SHA256 (default 100,000).
	PasswordIterations int
	// Now is the clock (default time.Now); tests inject one.
	Now func() time.Time
	// Faults, if any, are injected into API requests (see ParseFaults).
	Faults Faults
	// Audit, if set, gives the console the MCP server's audit trail (the
	// newest last): what the agent did with money and deletions, and how
	// the human consented. The embedded sandbox's server sets it; a
	// standalone sandbox has no server beside it, and shows none.
	Audit func(ctx context.Context) ([]AuditRow, error)
}

// AuditRow is one entry of the server's audit trail, as the console shows
// it. The sandbox imports nothing of the server: the caller converts.
type AuditRow struct {
	Time                                  time.Time
	Profile, Tool, Outcome, Consent, Args string
	AmountCents                           int64
}

func (o *Options) defaults() {
	if o.TokenTTL <= 0 {
		o.TokenTTL = DefaultTokenTTL
	}
	if o.ImportDelay < 0 {
		o.ImportDelay = 0
	}
	if o.ImportPriceCents <= 0 {
		o.ImportPriceCents = 25
	}
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateBurst <= 0 {
		o.RateBurst = int(5 * o.RateLimit)
		if o.RateBurst < 1 {
			o.RateBurst = 1
		}
	}
	if o.WebhookMaxAttempts <= 0 {
		o.WebhookMaxAttempts = 5
	}
	if o.WebhookRetryBase <= 0 {
		o.WebhookRetryBase = time.Second
	}
	if o.WebhookTimeout <= 0 {
		o.WebhookTimeout = 5 * time.Second
	}
	o.WebhookClient = webhookClient(*o)
	if o.PasswordIterations <= 0 {
		o.PasswordIterations = 100_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Server is the sandbox. Close it to stop webhook delivery and release the state.
type Server struct {
	opts    Options
	st      *store
	mux     *http.ServeMux
	handler http.Handler // mux, behind the fault injector when one is set
	faults  *faulty
	limiter *rateLimiter
	hooks   *deliverer
	tokens  verified
	console *console // the page at /_sandbox/console and the request log it shows
}

// New opens the state and returns a ready sandbox.
func New(opts Options) (*Server, error) {
	opts.defaults()
	st, err := openStore(opts.StatePath)
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    opts,
		st:      st,
		mux:     http.NewServeMux(),
		limiter: newRateLimiter(opts.RateLimit, opts.RateBurst),
	}
	s.hooks = newDeliverer(s)
	s.routes()
	s.console = newConsole(s)
	s.handler = s.mux
	if opts.Faults.Active() {
		s.faults = withFaults(opts.Faults, s.mux)
		s.handler = s.faults
	}
	s.handler = s.console.log.wrap(s.handler)
	s.hooks.start()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.guard(w, r) {
		s.handler.ServeHTTP(w, r)
	}
}

// Close stops background delivery and closes the state.
func (s *Server) Close() error {
	s.console.close()
	s.hooks.stop()
	return s.st.Close()
}

// FlushWebhooks blocks until no delivery is due now or ctx ends; tests and the
// demo use it to see deliveries without sleeping.
func (s *Server) FlushWebhooks(ctx context.Context) error { return s.hooks.flush(ctx) }

func (s *Server) now() time.Time { return s.opts.Now() }
