package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"slices"
	"time"
)

// A grant is one authorization: the client, the scopes, the resource, the
// agent's credentials the server acts with, and the life of its tokens
// (the code, the current refresh token, those it replaced, the live access
// tokens). It is one sealed record under "grant:<id>", so ending it is one
// delete that every replica sees at the next request; its state moves by
// compare-and-swap, so a code is redeemed and a refresh token rotated at
// most once across replicas.
type grant struct {
	ID         string    `json:"id"`
	Client     string    `json:"client"`
	ClientName string    `json:"client_name,omitempty"`
	Redirect   string    `json:"redirect"`
	Resource   string    `json:"resource"`
	Scopes     []string  `json:"scopes"`
	Account    string    `json:"account,omitempty"`
	Key        string    `json:"key"`
	PIN        string    `json:"pin,omitempty"`
	KeyID      string    `json:"key_id,omitempty"` // a key made for this grant, revoked when it ends
	Challenge  string    `json:"challenge"`
	Code       string    `json:"code"`
	CodeExp    time.Time `json:"code_exp"`
	CodeUsed   bool      `json:"code_used,omitempty"`
	Refresh    string    `json:"refresh,omitempty"` // hash of the live refresh token
	Used       []string  `json:"used,omitempty"`    // hashes of refresh tokens rotated away
	Access     []access  `json:"access,omitempty"`
	Created    time.Time `json:"created"`
}

type access struct {
	Hash   string    `json:"hash"`
	Exp    time.Time `json:"exp"`
	Scopes []string  `json:"scopes"`
}

// Tokens are "<prefix><grant id>_<secret>": the grant id finds the record,
// the secret (stored only as its SHA-256) proves the holder. The prefixes
// tell an access token from an API key at the door.
const (
	accessPrefix  = "mcpat_"
	refreshPrefix = "mcprt_"
	codePrefix    = "mcpac_"
	maxUsed       = 50 // rotated refresh tokens remembered for replay detection
)

func newToken(prefix, grantID string) (token, hash string) {
	secret := randomSecret()
	return prefix + grantID + "_" + secret, hashHex(secret)
}

// parseToken splits a token of the given kind into its grant id and the
// hash of its secret.
func parseToken(prefix, tok string) (grantID, hash string, ok bool) {
	if len(tok) != len(prefix)+32+1+43 || tok[:len(prefix)] != prefix || tok[len(prefix)+32] != '_' {
		return "", "", false
	}
	id := tok[len(prefix) : len(prefix)+32]
	for i := 0; i < len(id); i++ {
		if !('0' <= id[i] && id[i] <= '9' || 'a' <= id[i] && id[i] <= 'f') {
			return "", "", false
		}
	}
	return id, hashHex(tok[len(prefix)+33:]), true
}

func sameHash(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func (s *Server) putGrant(ctx context.Context, g *grant) error {
	return s.putRecord(ctx, "grant:"+g.ID, g, s.o.RefreshTTL)
}

// loadGrant returns the grant and its stored bytes (for swapGrant).
func (s *Server) loadGrant(ctx context.Context, id string) (*grant, []byte, error) {
	key := "grant:" + id
	raw, err := s.store.Get(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	var g grant
	if err := s.openRecord(key, raw, &g); err != nil {
		return nil, nil, err
	}
	return &g, raw, nil
}

// swapGrant saves g if the record still holds old; false means another
// request changed it first (the caller reloads and decides again).
func (s *Server) swapGrant(ctx context.Context, g *grant, old []byte) (bool, error) {
	b, err := json.Marshal(g)
	if err != nil {
		return false, err
	}
	key := "grant:" + g.ID
	return s.store.Swap(ctx, key, old, s.seal.seal(key, b), s.o.RefreshTTL)
}

// endGrant revokes everything the grant issued (one delete), and the API
// key made for it, if any.
func (s *Server) endGrant(ctx context.Context, g *grant, why string) {
	if err := s.store.Del(ctx, "grant:"+g.ID); err != nil {
		s.log.Error().Err(err).Str("grant", g.ID[:8]).Msg("oauth: could not end a grant")
	}
	s.log.Info().Str("grant", g.ID[:8]).Str("client", logged(g.Client)).Str("why", why).Msg("oauth: grant ended")
	s.endKey(context.WithoutCancel(ctx), g)
}

// endKey revokes the key made for a human's connection; best effort (the
// key is named after the app, so it can be found and revoked by hand).
func (s *Server) endKey(ctx context.Context, g *grant) {
	if g.KeyID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.o.HQ.RevokeKey(ctx, g.PIN, g.KeyID); err != nil {
		s.log.Warn().Err(err).Str("grant", g.ID[:8]).Msg("oauth: the connection's API key was not revoked at MyAPIHQ; revoke it by hand (its name starts with \"MCP connection:\")")
	}
}

// issue adds a fresh access token (with scopes) and refresh token to g,
// forgetting expired access tokens and remembering the rotated refresh
// token for replay detection.
func (s *Server) issue(g *grant, scopes []string) (accessTok, refreshTok string) {
	now := s.now()
	g.Access = slices.DeleteFunc(g.Access, func(a access) bool { return !now.Before(a.Exp) })
	at, ah := newToken(accessPrefix, g.ID)
	g.Access = append(g.Access, access{Hash: ah, Exp: now.Add(s.o.AccessTTL), Scopes: scopes})
	if g.Refresh != "" {
		g.Used = append(g.Used, g.Refresh)
		if len(g.Used) > maxUsed {
			g.Used = g.Used[len(g.Used)-maxUsed:]
		}
	}
	rt, rh := newToken(refreshPrefix, g.ID)
	g.Refresh = rh
	return at, rt
}
