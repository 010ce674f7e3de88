package tools

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

// Per-client state: what one client's calls leave behind for its next
// calls (a human's login, the keys of writes whose outcome is unknown).
// It belongs to that client alone and ends with its session.

// RetryStore remembers the Idempotency-Key of a write whose outcome is unknown, per client.
type RetryStore interface {
	Take(ctx context.Context, client, call string) (key string, err error) // "" when none; forgets it
	Keep(ctx context.Context, client, call, key string, ttl time.Duration) error
	Drop(ctx context.Context, client string) error // the client's session ended
}

// NonceStore makes a consent answer single-use.
type NonceStore interface {
	Use(ctx context.Context, nonce string, until time.Time) (first bool, err error)
}

// pendingKeyTTL: how long the same call again counts as a retry. A write
// whose outcome is unknown (every attempt failed in a way a retry could
// fix, so one may have committed) reuses its key when the model repeats it:
// the service then replays the first outcome instead of acting twice.
const pendingKeyTTL = 10 * time.Minute

// maxPendingPerClient bounds one client's pending keys. A full table keeps
// what it holds (each is a write that may have happened) and refuses new
// ones, which the call then says.
const maxPendingPerClient = 1000

var errTooManyPending = errors.New("too many writes with an unknown outcome are pending for this client")

// identity: which client the call comes from, if the transport says.
func (d *Deps) identity(ctx context.Context) (string, bool) {
	if d.Identity != nil {
		return d.Identity(ctx)
	}
	if s := server.ClientSessionFromContext(ctx); s != nil && s.SessionID() != "" {
		return s.SessionID(), true
	}
	return "", false
}

var errNoIdentity = errors.New("this server cannot tell its HTTP clients apart on this connection (protocol 2026-07-28 " +
	"requests carry no session), so a human's login would be shared with every other client: login and the human-only " +
	"tools are refused here. What works instead: connect over stdio, or with a client that negotiates protocol " +
	"2025-11-25 or earlier over HTTP (it gets an Mcp-Session-Id of its own)")

// memoryRetries is the in-process RetryStore.
type memoryRetries struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]map[string]pendingKey // client -> call -> key
}

type pendingKey struct {
	key   string
	until time.Time
}

func newMemoryRetries(now func() time.Time) *memoryRetries {
	return &memoryRetries{now: now, m: map[string]map[string]pendingKey{}}
}

func (p *memoryRetries) Take(_ context.Context, client, call string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	calls := p.m[client]
	k, ok := calls[call]
	if !ok {
		return "", nil
	}
	delete(calls, call)
	if len(calls) == 0 {
		delete(p.m, client)
	}
	if p.now().After(k.until) {
		return "", nil
	}
	return k.key, nil
}

func (p *memoryRetries) Keep(_ context.Context, client, call, key string, ttl time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	calls := p.m[client]
	if calls == nil {
		calls = map[string]pendingKey{}
		p.m[client] = calls
	}
	if _, replace := calls[call]; !replace && len(calls) >= maxPendingPerClient {
		for c, k := range calls { // only what has expired makes room
			if now.After(k.until) {
				delete(calls, c)
			}
		}
		if len(calls) >= maxPendingPerClient {
			return errTooManyPending
		}
	}
	calls[call] = pendingKey{key, now.Add(ttl)}
	return nil
}

func (p *memoryRetries) Drop(_ context.Context, client string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, client)
	return nil
}

// memoryNonces is the in-process NonceStore.
type memoryNonces struct {
	mu   sync.Mutex
	now  func() time.Time
	used map[string]time.Time
}

func (n *memoryNonces) Use(_ context.Context, nonce string, until time.Time) (bool, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.used == nil {
		n.used = map[string]time.Time{}
	}
	if len(n.used) > 10_000 {
		now := n.now()
		for k, u := range n.used {
			if now.After(u) {
				delete(n.used, k)
			}
		}
	}
	if _, seen := n.used[nonce]; seen {
		return false, nil
	}
	n.used[nonce] = until
	return true, nil
}

// humans are the human logins, one per client, memory only.
type humans struct {
	mu sync.Mutex
	m  map[string]human
}

type human struct {
	client   *hqclient.Client
	password string // to mask it wherever it would appear in this client's results
}

func (d *Deps) humanClient(ctx context.Context) (*hqclient.Client, error) {
	id, ok := d.identity(ctx)
	if !ok {
		return nil, errNoIdentity
	}
	d.humans.mu.Lock()
	defer d.humans.mu.Unlock()
	if h, ok := d.humans.m[id]; ok {
		return h.client, nil
	}
	return nil, errNeedsHuman
}

func (d *Deps) humanPassword(ctx context.Context) string {
	id, ok := d.identity(ctx)
	if !ok {
		return ""
	}
	d.humans.mu.Lock()
	defer d.humans.mu.Unlock()
	return d.humans.m[id].password
}

// setHuman keeps (or, with c nil, forgets) the calling client's login.
func (d *Deps) setHuman(ctx context.Context, c *hqclient.Client, password string) error {
	id, ok := d.identity(ctx)
	if !ok {
		return errNoIdentity
	}
	d.humans.mu.Lock()
	defer d.humans.mu.Unlock()
	if d.humans.m == nil {
		d.humans.m = map[string]human{}
	}
	if c == nil {
		delete(d.humans.m, id)
		return nil
	}
	d.humans.m[id] = human{client: c, password: password}
	return nil
}

// EndSession forgets what belongs to a client whose session ended.
func (d *Deps) EndSession(ctx context.Context, client string) {
	if err := d.retries().Drop(ctx, client); err != nil {
		d.Log.Warn().Err(err).Msg("retry store: drop failed")
	}
	d.humans.mu.Lock()
	delete(d.humans.m, client)
	d.humans.mu.Unlock()
}

// Hooks are the server hooks the tools need: a finished MCP session's
// state is dropped, since over HTTP sessions come and go for the life of
// the server.
func (d *Deps) Hooks() *server.Hooks {
	h := &server.Hooks{}
	h.AddOnUnregisterSession(func(ctx context.Context, s server.ClientSession) {
		if s.SessionID() != "" {
			d.EndSession(context.WithoutCancel(ctx), s.SessionID())
		}
	})
	return h
}
