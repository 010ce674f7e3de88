package app

import (
	"context"
	"slices"

	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/oauth"
	"github.com/myapihq/myapihq-mcp/remote"
	"github.com/myapihq/myapihq-mcp/toolkit"
	"github.com/myapihq/myapihq-mcp/tools"
)

// The multi-tenant mode as its own OAuth authorization server (package
// oauth, --oauth): built here from the flags and handed to the gate, which
// serves its routes, resolves its tokens into tenants and answers 401 and
// 403; the scope each tool needs is read from the tool table, for the
// gate's 403 and for the pipeline's scope step (app.go).

// checkOAuth refuses an --oauth configuration that cannot run, before
// anything starts.
func checkOAuth(hc HTTPConfig) error {
	switch {
	case !hc.OAuth:
		return nil
	case hc.PublicURL == "":
		return configError("--oauth needs --public-url: the https URL hosts reach (e.g. https://mcp.example.com)")
	case hc.Redis != "" && hc.StateKey == "":
		return configError("--oauth with --redis needs MYAPI_STATE_KEY, the same on every replica: it seals the grants they share (openssl rand -hex 32)")
	}
	return nil
}

// openOAuth builds the authorization server and gives it to the gate,
// with the scope of each offered tool.
func (a *App) openOAuth(d *tools.Deps) error {
	hc := a.Config.HTTP
	var store oauth.Store = &oauth.MemoryStore{}
	if a.Redis != nil {
		store = oauth.NewRedisStore(a.Redis.C)
	} else {
		a.Log.Warn().Msg("oauth: no --redis: sign-ins, grants and revocations live in this process only; another replica knows none of them and a restart signs every host out")
	}
	key := []byte(hc.StateKey)
	if len(key) == 0 {
		key = randid.Bytes(32)
		a.Log.Warn().Msg("oauth: MYAPI_STATE_KEY is not set: grants are sealed under a key of this process only")
	}
	srv, err := oauth.New(oauth.Options{PublicURL: hc.PublicURL, StateKey: key, Store: store, Log: a.Log,
		HQ: oauth.HQClient{New: d.NewClient}, AccessTTL: hc.OAuthAccessTTL, RefreshTTL: hc.OAuthRefreshTTL,
		AllowPrivateClientMetadata: hc.OAuthAllowPrivateClientDoc, TrustedProxies: hc.TrustedProxies})
	if err != nil {
		return err
	}
	scopes := make(map[string]string, len(a.Tools))
	for i := range a.Tools {
		scopes[a.Tools[i].Name] = toolScope(&a.Tools[i])
	}
	a.Gate.OAuth, a.Gate.APIKeys = srv, hc.APIKeyBearer
	a.Gate.ScopeOf = func(name string) string { return scopes[name] }
	d.ScopesWithheld = scopesWithheld
	return nil
}

// scopesWithheld are the scopes an OAuth caller's token lacks, in the
// order oauth.Scopes lists them (nil for an API key's bearer).
func scopesWithheld(ctx context.Context) []string {
	granted, limited := grantedScopes(ctx)
	if !limited {
		return nil
	}
	var out []string
	for _, s := range oauth.Scopes {
		if !slices.Contains(granted, s) {
			out = append(out, s)
		}
	}
	return out
}

// toolScope is the scope a tool needs, from its row of the tool table:
// whether it may charge, and its read-only annotation (oauth.ScopeFor).
func toolScope(t *toolkit.Tool) string {
	return oauth.ScopeFor(oauth.ToolTraits{ReadOnly: t.ReadOnly, Charges: t.Charges != nil})
}

// grantedScopes is what the call's caller was allowed: an OAuth caller's
// token scopes; an API key's bearer is bound by none.
func grantedScopes(ctx context.Context) ([]string, bool) {
	t, ok := remote.TenantFrom(ctx)
	if !ok || t.Scopes == nil {
		return nil, false
	}
	return t.Scopes, true
}
