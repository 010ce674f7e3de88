package toolkit

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// What a call leaves behind for a later call: the idempotency key of a
// write whose outcome is unknown (per client), and the used nonces of
// consent answers. In memory for one process; the multi-tenant mode keeps
// them in Redis, shared by the replicas.

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

// PendingKeyTTL: how long the same call again counts as a retry. A write
// whose outcome is unknown (every attempt failed in a way a retry could
// fix, so one may have committed) reuses its key when the model repeats it:
// the service then replays the first outcome instead of acting twice.
const PendingKeyTTL = 10 * time.Minute

// MaxPendingPerClient bounds one client's pending keys. A full table keeps
// what it holds (each is a write that may have happened) and refuses new
// ones, which the call then says.
const MaxPendingPerClient = 1000

var errTooManyPending = errors.New("too many writes with an unknown outcome are pending for this client")

// SessionIdentity names the client by its MCP session id; ok is false
// where the transport gives none (a 2026-07-28 HTTP request).
func SessionIdentity(ctx context.Context) (string, bool) {
	if s := server.ClientSessionFromContext(ctx); s != nil && s.SessionID() != "" {
		return s.SessionID(), true
	}
	return "", false
}

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

// NewMemoryRetries is a RetryStore for one process.
func NewMemoryRetries(now func() time.Time) RetryStore {
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
	if _, replace := calls[call]; !replace && len(calls) >= MaxPendingPerClient {
		for c, k := range calls { // only what has expired makes room
			if now.After(k.until) {
				delete(calls, c)
			}
		}
		if len(calls) >= MaxPendingPerClient {
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

// NewMemoryNonces is a NonceStore for one process.
func NewMemoryNonces(now func() time.Time) NonceStore { return &memoryNonces{now: now} }

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
