// Package hqclient is a thin, typed client for the MyAPIHQ HQ API
// (docs/api.md): one method per endpoint, the right credential per
// endpoint, retries that are safe for POSTs, and one typed error. It knows
// nothing about MCP.
package hqclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// DefaultBaseURL is the live service.
const DefaultBaseURL = "https://api.myapihq.com"

// Secrets are the credentials a call may need. Any may be empty.
type Secrets struct {
	AccountID      string
	APIKey         string
	Token          string
	TokenExpiresAt time.Time // zero: read from the token if it says
	PIN            string
}

// Credentials supplies Secrets; package credentials implements it over the
// OS keyring. Secrets is called on every request, so it must be cheap
// (cached), and SaveToken is told of every JWT the client mints from the PIN.
type Credentials interface {
	Secrets(ctx context.Context) (Secrets, error)
	SaveToken(ctx context.Context, token string, expiresAt time.Time) error
}

// MintLimiter is Credentials that may refuse a JWT mint from the PIN (a
// caller's budget of mints): its error is the call's.
type MintLimiter interface {
	BeforeMint(ctx context.Context) error
}

// StaticCredentials is an in-memory Credentials, for tests and for callers
// that hold secrets themselves.
type StaticCredentials struct {
	mu sync.Mutex
	s  Secrets
}

func NewStaticCredentials(s Secrets) *StaticCredentials { return &StaticCredentials{s: s} }

func (c *StaticCredentials) Secrets(context.Context) (Secrets, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s, nil
}

func (c *StaticCredentials) SaveToken(_ context.Context, token string, exp time.Time) error {
	c.Update(func(s *Secrets) { s.Token, s.TokenExpiresAt = token, exp })
	return nil
}

// Update changes the held secrets under the lock.
func (c *StaticCredentials) Update(f func(*Secrets)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.s)
}

// Options configure a Client. Zero values take the defaults shown.
type Options struct {
	BaseURL     string      // DefaultBaseURL
	Credentials Credentials // none: only unauthenticated endpoints work
	HTTPClient  *http.Client
	Version     string // in User-Agent: myapihq-mcp/<Version>
	// MaxAttempts per logical call, the first included (3).
	MaxAttempts int
	// RequestTimeout bounds each attempt (30s).
	RequestTimeout time.Duration
	// BackoffBase doubles per retry up to BackoffMax (250ms, 5s), with jitter.
	BackoffBase, BackoffMax time.Duration
	// MaxRetryAfter caps a server's Retry-After (30s).
	MaxRetryAfter time.Duration
	// MaxResponseBytes caps a response body (10 MiB).
	MaxResponseBytes int64
	Logger           *zerolog.Logger
	// Sleep and Now are injected by tests.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Client talks to one HQ base URL. It is safe for concurrent use.
type Client struct {
	opts      Options
	base      string
	hc        *http.Client
	creds     Credentials
	log       zerolog.Logger
	ua        string
	mintMu    sync.Mutex
	minted    string // last JWT minted here, used if the store could not keep it
	mintExp   time.Time
	parsedTok string // the last token whose expiry was read from its claims
	parsedExp time.Time
}

// New returns a client; it does no I/O.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(opts.BaseURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		// Not echoed: an unparseable URL may still hold a password.
		return nil, fmt.Errorf("hqclient: the base URL is not an http(s) URL with a host")
	case u.User != nil:
		return nil, fmt.Errorf("hqclient: the base URL %s://%s carries user info (user:password@): remove it; credentials never go in the URL", u.Scheme, u.Host)
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("hqclient: the base URL must have no query or fragment")
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 30 * time.Second
	}
	if opts.BackoffBase <= 0 {
		opts.BackoffBase = 250 * time.Millisecond
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = 5 * time.Second
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = 30 * time.Second
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = 10 << 20
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	// Our own copy, so the cookie jar (refresh tokens) is never shared with
	// whoever passed the client in.
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		*hc = *opts.HTTPClient
	} else {
		// net/http keeps 2 idle connections per host; concurrent tool calls
		// would keep opening new ones.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 32
		hc.Transport = t
	}
	hc.CheckRedirect = noRedirects
	if hc.Jar == nil {
		hc.Jar, _ = cookiejar.New(nil)
	}
	log := zerolog.Nop()
	if opts.Logger != nil {
		log = opts.Logger.With().Str("component", "hqclient").Logger()
	}
	return &Client{opts: opts, base: strings.TrimRight(opts.BaseURL, "/"), hc: hc, creds: opts.Credentials,
		log: log, ua: "myapihq-mcp/" + opts.Version}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type idemKey struct{}

// WithIdempotencyKey makes the POST made with ctx use key instead of a fresh
// one, so a caller can resume a logical operation across processes.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idemKey{}, key)
}

// NewIdempotencyKey is 128 random bits.
func NewIdempotencyKey() string {
	return "idem_" + randid.Hex(16)
}

// Response is an answer: the typed view, the JSON exactly as the service sent
// it (envelope removed), and facts about the exchange.
type Response[T any] struct {
	Data      T
	Raw       json.RawMessage
	Status    int
	RequestID string
	Replayed  bool // the service answered from its idempotency store
	Attempts  int
}

type authKind int

const (
	authNone authKind = iota
	authJWT
	authAPIKey
)

type request struct {
	method string
	path   string // already escaped
	auth   authKind
	body   any
}

// call sends rq and decodes the answer into a Response[T].
func call[T any](ctx context.Context, c *Client, rq request) (*Response[T], error) {
	raw, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	out := &Response[T]{Raw: raw.body, Status: raw.status, RequestID: raw.requestID, Replayed: raw.replayed, Attempts: raw.attempts}
	decodeTolerant(raw.body, &out.Data)
	return out, nil
}

type rawResponse struct {
	status    int
	body      json.RawMessage
	requestID string
	replayed  bool
	attempts  int
}

// send is the one request path: auth, idempotency key, retries, unwrapping.
func (c *Client) send(ctx context.Context, rq request) (*rawResponse, error) {
	var body []byte
	if rq.body != nil {
		b, err := json.Marshal(rq.body)
		if err != nil {
			return nil, fmt.Errorf("hqclient: encode %s body: %w", rq.path, err)
		}
		body = b
	}
	// One key per logical call, reused by every retry: the service replays
	// the first answer instead of acting twice.
	key := ""
	if rq.method != http.MethodGet {
		key, _ = ctx.Value(idemKey{}).(string)
		if key == "" {
			key = NewIdempotencyKey()
		}
	}

	reminted := false
	var lastErr *Error
	attempt := 0
	for attempt < c.opts.MaxAttempts {
		attempt++
		authz, err := c.authorization(ctx, rq)
		if err != nil {
			return nil, err
		}
		resp, err := c.attempt(ctx, rq, body, key, authz, attempt)
		if err == nil {
			resp.attempts = attempt
			if resp.replayed {
				noteReplay(ctx)
			}
			return resp, nil
		}
		e, _ := AsError(err)
		if e == nil {
			return nil, err
		}
		e.Attempts = attempt
		lastErr = e
		// A rejected JWT is usually an expired one: mint a fresh one from the
		// PIN once, and try again without spending an attempt.
		if e.Status == http.StatusUnauthorized && rq.auth == authJWT && !reminted {
			reminted = true
			if fresh, ok := c.remint(ctx, authz); ok && fresh != authz {
				attempt--
				continue
			}
		}
		if !e.Retryable || attempt >= c.opts.MaxAttempts {
			return nil, e
		}
		wait := c.backoff(attempt)
		if e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && c.opts.Now().Add(wait).After(dl) {
			return nil, e // waiting would outlive the caller
		}
		c.log.Debug().Str("method", rq.method).Str("path", rq.path).Int("attempt", attempt).Int("status", e.Status).
			Str("code", e.Code).Dur("wait", wait).Msg("retrying")
		if err := c.opts.Sleep(ctx, wait); err != nil {
			return nil, e
		}
	}
	return nil, lastErr
}

// backoff is capped exponential with jitter in [d/2, d].
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.BackoffBase << (attempt - 1)
	if d > c.opts.BackoffMax || d <= 0 {
		d = c.opts.BackoffMax
	}
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

func (c *Client) attempt(ctx context.Context, rq request, body []byte, key, authz string, attempt int) (*rawResponse, error) {
	actx, cancel := context.WithTimeout(ctx, c.opts.RequestTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, rq.method, c.base+rq.path, rd)
	if err != nil {
		return nil, fmt.Errorf("hqclient: build request: %w", err)
	}
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if authz != "" {
		req.Header.Set("Authorization", "Bearer "+authz)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}

	start := c.opts.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.networkError(ctx, rq, err)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxResponseBytes+1))
	resp.Body.Close()
	if err != nil {
		return nil, c.networkError(ctx, rq, err)
	}
	rid := resp.Header.Get("X-Request-Id")
	c.log.Debug().Str("method", rq.method).Str("path", rq.path).Int("status", resp.StatusCode).Int("attempt", attempt).
		Dur("took", c.opts.Now().Sub(start)).Str("request_id", rid).Msg("hq request")
	if int64(len(data)) > c.opts.MaxResponseBytes {
		return nil, &Error{Status: resp.StatusCode, Code: CodeBodyTooLarge, Method: rq.method, Path: rq.path, RequestID: rid,
			Message: fmt.Sprintf("response body is over the %d-byte limit", c.opts.MaxResponseBytes)}
	}
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, redirectError(rq.method, rq.path, resp)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newHTTPError(rq.method, rq.path, resp, data, c.opts.MaxRetryAfter, c.opts.Now())
	}
	out, err := unwrap(data)
	if err != nil {
		e, _ := AsError(err)
		e.Status, e.Method, e.Path, e.RequestID = resp.StatusCode, rq.method, rq.path, rid
		return nil, e
	}
	return &rawResponse{status: resp.StatusCode, body: out, requestID: rid,
		replayed: resp.Header.Get("Idempotent-Replayed") == "true"}, nil
}

func (c *Client) networkError(ctx context.Context, rq request, err error) error {
	cause := err
	if inner := errors.Unwrap(err); inner != nil { // *url.Error repeats method and URL: keep the cause
		cause = inner
	}
	e := &Error{Code: CodeNetwork, Method: rq.method, Path: rq.path, Err: err, Retryable: true,
		Message: "could not reach the MyAPIHQ service: " + cause.Error()}
	var unknownCA x509.UnknownAuthorityError
	var certErr *tls.CertificateVerificationError
	switch {
	case ctx.Err() != nil: // the caller gave up: never retry past its context
		e.Retryable = false
		e.Message = "request cancelled: " + ctx.Err().Error()
	case errors.As(err, &unknownCA), errors.As(err, &certErr):
		e.Retryable = false
	}
	return e
}

// unwrap removes a {success, data, error, meta} envelope (docs/api.md, "Envelope") and
// turns success:false into an error. A non-JSON success body is kept as
// {"message": text}, an empty one as {}.
func unwrap(body []byte) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return json.RawMessage(`{}`), nil
	}
	if !json.Valid(trimmed) {
		msg, _ := json.Marshal(map[string]string{"message": string(trimmed)})
		return msg, nil
	}
	if trimmed[0] != '{' {
		return trimmed, nil
	}
	var env struct {
		Success *bool           `json:"success"`
		Data    json.RawMessage `json:"data"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(trimmed, &env) != nil || env.Success == nil {
		return trimmed, nil
	}
	if !*env.Success {
		code, msg, _ := parseErrorBody(trimmed)
		if msg == "" {
			msg = "the service reported a failure"
		}
		if code == "" {
			code = "request_failed"
		}
		return nil, &Error{Code: code, Message: msg}
	}
	if len(env.Data) > 0 && string(env.Data) != "null" {
		return env.Data, nil
	}
	return trimmed, nil
}

// decodeTolerant fills the typed view; a shape it does not expect leaves the
// zero value rather than failing, because Raw still has every byte. A list
// that comes wrapped ({"items":[…]}) is unwrapped.
func decodeTolerant(raw json.RawMessage, v any) {
	if json.Unmarshal(raw, v) == nil {
		return
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return
	}
	for _, k := range []string{"items", "data", "results", "keys", "orgs", "organizations", "agents", "webhooks", "events", "history"} {
		if inner, ok := obj[k]; ok && json.Unmarshal(inner, v) == nil {
			return
		}
	}
}
