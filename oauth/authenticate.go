package oauth

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The resource server's side: a bearer on /mcp that is one of our access
// tokens is checked here, and becomes the credentials it stands for. The
// token itself goes no further: MyAPIHQ sees the grant's API key and PIN,
// never a token this server issued.

// Access is what a valid access token stands for.
type Access struct {
	Key, PIN string   // the agent's credentials, for the HQ client
	Scopes   []string // what the token allows (ScopeFor each tool)
	Client   string   // the client id, for logs
	Account  string   // the agent account, when known
}

// ErrInvalidToken: the bearer is not a live access token for this resource.
var ErrInvalidToken = errors.New("the access token is invalid, expired or revoked")

// IsToken says whether a bearer is one of this server's tokens (as opposed
// to an API key, which the remote mode may still accept).
func IsToken(bearer string) bool {
	return strings.HasPrefix(bearer, accessPrefix) || strings.HasPrefix(bearer, refreshPrefix) || strings.HasPrefix(bearer, codePrefix)
}

// Authenticate resolves an access token. Any other error than
// ErrInvalidToken is the store's: the caller answers 503, not 401.
func (s *Server) Authenticate(ctx context.Context, bearer string) (Access, error) {
	id, h, ok := parseToken(accessPrefix, bearer)
	if !ok {
		return Access{}, ErrInvalidToken
	}
	g, _, err := s.loadGrant(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Access{}, ErrInvalidToken
	}
	if err != nil {
		return Access{}, err
	}
	// A token is for one resource: a grant made by another deployment
	// sharing this store (another public URL) opens nothing here.
	if g.Resource != s.resource {
		return Access{}, ErrInvalidToken
	}
	now := s.now()
	for _, a := range g.Access {
		if sameHash(h, a.Hash) && now.Before(a.Exp) {
			return Access{Key: g.Key, PIN: g.PIN, Scopes: a.Scopes, Client: g.Client, Account: g.Account}, nil
		}
	}
	return Access{}, ErrInvalidToken
}

// Challenge is the WWW-Authenticate value of a 401 on the resource: where
// the metadata is, and, when a token was sent, why it failed.
func (s *Server) Challenge(tokenSent bool) string {
	c := fmt.Sprintf(`Bearer resource_metadata="%s"`, s.ResourceMetadataURL())
	if tokenSent {
		c += `, error="invalid_token", error_description="the access token is invalid, expired or revoked"`
	}
	return c
}

// ScopeChallenge is the WWW-Authenticate value of a 403: the scopes the
// client should ask for (what it has and what the call needs), so a host
// can step up.
func (s *Server) ScopeChallenge(granted []string, need string) string {
	want := ordered(append(append([]string{}, granted...), need))
	return fmt.Sprintf(`Bearer error="insufficient_scope", scope="%s", resource_metadata="%s", error_description="this call needs the %s scope"`,
		strings.Join(want, " "), s.ResourceMetadataURL(), need)
}
