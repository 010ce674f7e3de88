package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/myapihq/myapihq-mcp/metrics"
	"github.com/myapihq/myapihq-mcp/oauth"
)

// How the gate turns a request into its caller: an OAuth access token
// (when the mode runs an authorization server) becomes the agent key and
// PIN its grant holds, with the token's scopes; anything else is an API
// key bearer with the optional PIN header, unless API keys are turned off.
// Either way the caller is then resolved by Tenants as before, so limits,
// logs and the HQ client cache see one kind of tenant.

// CodeInsufficientScope is the JSON-RPC error code of a 403 for scope.
const CodeInsufficientScope = -32003

// errAPIKeysOff: an API key bearer where only OAuth is accepted.
var errAPIKeysOff = errors.New("this server accepts OAuth access tokens only: connect with your MCP host's sign-in")

func (g *Gate) caller(r *http.Request) (*Tenant, error) {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	bearer = strings.TrimSpace(bearer)
	if g.OAuth != nil && ok && oauth.IsToken(bearer) {
		a, err := g.OAuth.Authenticate(r.Context(), bearer)
		if err != nil {
			return nil, err
		}
		t, err := g.Tenants.Resolve(r.Context(), a.Key, a.PIN, g.clientAddr(r))
		if errors.Is(err, ErrBadCredentials) {
			// The grant's key was revoked at MyAPIHQ: the token is worth
			// nothing now (the next refresh ends the grant).
			return nil, oauth.ErrInvalidToken
		}
		if err != nil {
			return nil, err
		}
		t.Scopes, t.OAuthClient = a.Scopes, a.Client
		if t.Scopes == nil {
			t.Scopes = []string{}
		}
		return t, nil
	}
	if g.OAuth != nil && !g.APIKeys {
		if ok && bearer != "" {
			return nil, fmt.Errorf("%w: %w", ErrBadCredentials, errAPIKeysOff)
		}
		return nil, ErrBadCredentials
	}
	key, pin, err := FromRequest(r)
	if err != nil {
		return nil, err
	}
	return g.Tenants.Resolve(r.Context(), key, pin, g.clientAddr(r))
}

// unauthorized is the 401: with OAuth, the challenge names the resource
// metadata, so a host that knows only the URL can find where to sign in.
func (g *Gate) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	if g.OAuth == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="myapihq-mcp", error="invalid_token", error_description="send a MyAPIHQ API key"`)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	sent := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")) != ""
	w.Header().Set("WWW-Authenticate", g.OAuth.Challenge(sent))
	msg := "sign in: this server is an OAuth protected resource (its metadata: " + g.OAuth.ResourceMetadataURL() + ")"
	if g.APIKeys {
		msg += ", or send a MyAPIHQ API key as the bearer"
	}
	if errors.Is(err, errAPIKeysOff) {
		msg = errAPIKeysOff.Error()
	}
	http.Error(w, msg, http.StatusUnauthorized)
}

// scopeMissing is the scope an OAuth caller lacks for this request ("" if
// none): each tools/call, in a batch too, needs its tool's scope; reading
// a resource or completing an argument (which reads the caller's
// organizations) needs read.
func (g *Gate) scopeMissing(t *Tenant, body []byte, p peek) string {
	if t.Scopes == nil || g.ScopeOf == nil {
		return ""
	}
	calls := []peek{p}
	if b := strings.TrimSpace(string(body)); strings.HasPrefix(b, "[") {
		calls = nil
		_ = json.Unmarshal(body, &calls) // unreadable: mcp-go answers it, no tool runs
	}
	for _, c := range calls {
		need := ""
		switch c.Method {
		case "tools/call":
			need = g.ScopeOf(c.Params.Name)
		case "resources/read", "completion/complete": // a completion offers the caller's org ids and domains
			need = oauth.ScopeRead
		}
		if need != "" && !oauth.Covers(t.Scopes, need) {
			return need
		}
	}
	return ""
}

// forbidden is the 403 of RFC 6750 for a call outside the token's scopes;
// its challenge names the scopes to ask for, so a host can step up.
func (g *Gate) forbidden(w http.ResponseWriter, t *Tenant, id json.RawMessage, need string) {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	g.Metrics.Limited(metrics.LimitScope)
	w.Header().Set("WWW-Authenticate", g.OAuth.ScopeChallenge(t.Scopes, need))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": id, "error": map[string]any{ //nolint:errcheck // the client went away
		"code": CodeInsufficientScope, "message": fmt.Sprintf("this connection was not allowed the %s scope: sign in again and allow it", need),
		"data": map[string]any{"scope": need}}})
}
