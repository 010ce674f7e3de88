package app

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/oauth"
	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/tools"
)

// The remote mode as its own OAuth authorization server (package oauth):
// built here from the flags, handed to the gate (which serves its routes
// and resolves its tokens), and the scope of each tool given to the gate's
// 403 and to the scopeStep below.

// openOAuth builds the authorization server of a multi-tenant server.
func openOAuth(r *Remote, hc HTTPConfig, newClient func(hqclient.Credentials) (*hqclient.Client, error)) (*oauth.Server, error) {
	if hc.PublicURL == "" {
		return nil, configError("--oauth needs --public-url: the https URL hosts reach (e.g. https://mcp.example.com)")
	}
	key := hc.StateKey
	var store oauth.Store = &oauth.MemoryStore{}
	if r.Redis != nil {
		store = oauth.NewRedisStore(r.Redis.C)
		if len(key) == 0 {
			return nil, configError("--oauth with --redis needs MYAPI_STATE_KEY, the same on every replica: it seals the grants they share (openssl rand -hex 32)")
		}
	} else {
		r.Log.Warn().Msg("oauth: no --redis: sign-ins, grants and revocations live in this process only; another replica knows none of them and a restart signs every host out")
	}
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key) //nolint:errcheck // never fails on supported platforms
		r.Log.Warn().Msg("oauth: MYAPI_STATE_KEY is not set: grants are sealed under a key of this process only")
	}
	return oauth.New(oauth.Options{PublicURL: hc.PublicURL, StateKey: key, Store: store, Log: r.Log,
		HQ: oauth.HQClient{New: newClient}, AccessTTL: hc.OAuthAccessTTL, RefreshTTL: hc.OAuthRefreshTTL,
		AllowPrivateClientMetadata: hc.OAuthAllowPrivateClientDoc, TrustedProxies: hc.TrustedProxies})
}

// toolScopes is the scope each offered tool needs (oauth.ScopeFor over
// its annotations).
func toolScopes(ts []tools.Tool) func(string) string {
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Name] = oauth.ScopeFor(oauth.ToolTraits{ReadOnly: t.ReadOnly, Charges: t.Charges != nil})
	}
	return func(name string) string { return m[name] }
}

// scopeStep refuses a tool outside an OAuth caller's scopes. The gate
// answers such calls 403 before they reach mcp-go; this is the same rule
// where the call runs, so no path around the gate (a batch it could not
// read, a future transport) runs a tool the token does not cover.
func scopeStep(scopeOf func(string) string) server.ToolHandlerMiddleware {
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if t, ok := remote.TenantFrom(ctx); ok && t.Scopes != nil {
				if need := scopeOf(req.Params.Name); need != "" && !oauth.Covers(t.Scopes, need) {
					return mcp.NewToolResultError(fmt.Sprintf("%s needs the %s scope, which this connection was not allowed: "+
						"sign in again from the host and allow it.", req.Params.Name, need)), nil
				}
			}
			return next(ctx, req)
		}
	}
}
