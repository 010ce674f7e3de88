package tools

import (
	"context"
	"errors"
	"sync"

	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// Per-client state: a human's login belongs to the client that logged in
// alone, is held in memory only, and ends with its session (as the keys
// of its writes whose outcome is unknown do).

// identity: which client the call comes from, if the transport says.
func (d *Deps) identity(ctx context.Context) (string, bool) {
	if d.Identity != nil {
		return d.Identity(ctx)
	}
	return toolkit.SessionIdentity(ctx)
}

var errNoIdentity = errors.New("this server cannot tell its HTTP clients apart on this connection (protocol 2026-07-28 " +
	"requests carry no session), so a human's login would be shared with every other client: login and the human-only " +
	"tools are refused here. What works instead: connect over stdio, or with a client that negotiates protocol " +
	"2025-11-25 or earlier over HTTP (it gets an Mcp-Session-Id of its own)")

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
	d.init()
	if err := d.Retries.Drop(ctx, client); err != nil {
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
