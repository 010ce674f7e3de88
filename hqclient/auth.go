package hqclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// tokenSkew: a token this close to expiry is replaced before use rather than
// sent to fail.
const tokenSkew = 30 * time.Second

func (c *Client) secrets(ctx context.Context) (Secrets, error) {
	if c.creds == nil {
		return Secrets{}, nil
	}
	return c.creds.Secrets(ctx)
}

// authorization is the bearer for rq: the API key or a JWT (docs/api.md, "Credentials").
func (c *Client) authorization(ctx context.Context, rq request) (string, error) {
	switch rq.auth {
	case authAPIKey:
		s, err := c.secrets(ctx)
		if err != nil {
			return "", err
		}
		if s.APIKey == "" {
			return "", &Error{Code: CodeNoAPIKey, Method: rq.method, Path: rq.path,
				Message: "no API key: create an agent account and an API key first (or set MYAPI_API_KEY)"}
		}
		return s.APIKey, nil
	case authJWT:
		tok, err := c.jwt(ctx, "")
		if e, ok := AsError(err); ok && e.Method == "" {
			e.Method, e.Path = rq.method, rq.path
		}
		return tok, err
	}
	return "", nil
}

// jwt returns a JWT to send. It mints one from the PIN when there is none,
// when it is about to expire, or when it is the one just rejected (stale).
// The lock makes concurrent callers share one mint.
func (c *Client) jwt(ctx context.Context, stale string) (string, error) {
	s, err := c.secrets(ctx)
	if err != nil {
		return "", err
	}
	c.mintMu.Lock()
	defer c.mintMu.Unlock()

	tok, exp := s.Token, s.TokenExpiresAt
	if tok != "" && exp.IsZero() {
		exp = c.expiryOf(tok)
	}
	if c.minted != "" && (tok == "" || tok == stale || c.mintExp.After(exp)) {
		tok, exp = c.minted, c.mintExp
	}
	if tok != "" && tok != stale && (exp.IsZero() || c.opts.Now().Add(tokenSkew).Before(exp)) {
		return tok, nil
	}
	if s.PIN == "" {
		if tok != "" && tok != stale {
			return tok, nil // expired by our clock, but only the service can say
		}
		return "", &Error{Code: CodeNoToken, Message: "no valid token and no agent PIN to mint one: create an agent account or log in first"}
	}
	if l, limits := c.creds.(MintLimiter); limits {
		if err := l.BeforeMint(ctx); err != nil {
			return "", err
		}
	}
	r, err := c.AgentToken(ctx, s.PIN)
	if err != nil {
		return "", err
	}
	tok, exp = r.Data.Token, r.Data.ExpiresAt()
	c.minted, c.mintExp = tok, exp
	if c.creds != nil {
		if err := c.creds.SaveToken(ctx, tok, exp); err != nil {
			// The token still works for this process; the next one mints again.
			c.log.Warn().Err(err).Msg("could not persist the new token")
		}
	}
	return tok, nil
}

// expiryOf reads a token's exp claim, remembering the last token read:
// a store that does not know the expiry would otherwise cost a decode per
// call. Called with mintMu held.
func (c *Client) expiryOf(tok string) time.Time {
	if tok != c.parsedTok {
		_, c.parsedExp, _ = TokenClaims(tok)
		c.parsedTok = tok
	}
	return c.parsedExp
}

// remint replaces the rejected JWT, if the PIN allows.
func (c *Client) remint(ctx context.Context, rejected string) (string, bool) {
	tok, err := c.jwt(ctx, rejected)
	return tok, err == nil && tok != ""
}

// TokenClaims reads the subject and expiry of a JWT without verifying it:
// the client only needs them to fill gaps (docs/api.md, "Agent creation") and to refresh early;
// the service is the one that verifies.
func TokenClaims(token string) (subject string, expires time.Time, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", time.Time{}, false
	}
	var claims struct {
		Sub string  `json:"sub"`
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return "", time.Time{}, false
	}
	if claims.Exp > 0 {
		expires = time.Unix(int64(claims.Exp), 0)
	}
	return claims.Sub, expires, true
}
