package oauth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// The token endpoint: authorization_code (with PKCE S256) and
// refresh_token, for public clients. A code is spent on its first
// redemption whatever the outcome; a second redemption ends the grant and
// every token it issued. A refresh token is good once: the rotated one,
// presented again, ends the grant.

// tokenJSON answers the token endpoint: never cached (RFC 6749 §5.1).
func tokenJSON(w http.ResponseWriter, code int, v any) {
	cors(w)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, code, v)
}

func tokenError(w http.ResponseWriter, code int, e, desc string) {
	tokenJSON(w, code, map[string]string{"error": e, "error_description": desc})
}

// validVerifier: RFC 7636's code_verifier, 43 to 128 unreserved characters.
func validVerifier(v string) bool { return len(v) >= 43 && len(v) <= 128 && onlyFrom(v, "-._~") }

// s256 is the PKCE S256 transform.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		tokenError(w, http.StatusBadRequest, "invalid_request", "send the parameters form-encoded in the body")
		return
	}
	if r.Header.Get("Authorization") != "" || r.PostForm.Has("client_secret") {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "clients here are public: send client_id, no secret")
		return
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			tokenError(w, http.StatusBadRequest, "invalid_request", "the parameter "+textsafe.Line(k, 40)+" is repeated")
			return
		}
	}
	if res := r.PostFormValue("resource"); res != "" && res != s.resource {
		tokenError(w, http.StatusBadRequest, "invalid_target", "this server issues tokens only for "+s.resource)
		return
	}
	switch r.PostFormValue("grant_type") {
	case "authorization_code":
		s.redeem(w, r)
	case "refresh_token":
		s.refresh(w, r)
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type is authorization_code or refresh_token")
	}
}

func (s *Server) tokens(w http.ResponseWriter, at, rt string, scopes []string) {
	tokenJSON(w, http.StatusOK, map[string]any{"access_token": at, "token_type": "Bearer",
		"expires_in": int(s.o.AccessTTL.Seconds()), "refresh_token": rt, "scope": strings.Join(scopes, " ")})
}

func (s *Server) redeem(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, h, ok := parseToken(codePrefix, r.PostFormValue("code"))
	if !ok {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown code")
		return
	}
	for range 3 {
		g, raw, err := s.loadGrant(ctx, id)
		if errors.Is(err, ErrNotFound) || (err == nil && !sameHash(h, g.Code)) {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or spent code")
			return
		}
		if err != nil {
			s.storeErr(w, err)
			return
		}
		if g.CodeUsed {
			s.endGrant(ctx, g, "code redeemed twice")
			tokenError(w, http.StatusBadRequest, "invalid_grant", "this code was already redeemed: every token it issued is revoked")
			return
		}
		// Spent now, whatever follows: a code gets one attempt.
		refuse := func(e, desc string) {
			s.endGrant(ctx, g, "code refused: "+e)
			tokenError(w, http.StatusBadRequest, e, desc)
		}
		switch v := r.PostFormValue("code_verifier"); {
		case !s.now().Before(g.CodeExp):
			refuse("invalid_grant", "the code expired")
		case r.PostFormValue("client_id") != g.Client:
			refuse("invalid_grant", "the code was issued to another client")
		case r.PostFormValue("redirect_uri") != g.Redirect:
			refuse("invalid_grant", "redirect_uri is not the one of the authorization request")
		case !validVerifier(v) || !sameHash(s256(v), g.Challenge):
			refuse("invalid_grant", "code_verifier does not match the code_challenge (S256)")
		default:
			g.CodeUsed = true
			at, rt := s.issue(g, g.Scopes)
			won, err := s.swapGrant(ctx, g, raw)
			if err != nil {
				s.storeErr(w, err)
				return
			}
			if !won {
				continue // redeemed at the same moment elsewhere: the reload sees it used
			}
			s.tokens(w, at, rt, g.Scopes)
			return
		}
		return
	}
	tokenError(w, http.StatusBadRequest, "invalid_grant", "the code is being redeemed concurrently")
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, h, ok := parseToken(refreshPrefix, r.PostFormValue("refresh_token"))
	if !ok {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
		return
	}
	checked := false
	for range 3 {
		g, raw, err := s.loadGrant(ctx, id)
		if errors.Is(err, ErrNotFound) {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown, expired or revoked refresh token: sign in again")
			return
		}
		if err != nil {
			s.storeErr(w, err)
			return
		}
		switch {
		case g.Refresh != "" && sameHash(h, g.Refresh):
		case slices.ContainsFunc(g.Used, func(u string) bool { return sameHash(h, u) }):
			s.endGrant(ctx, g, "refresh token replayed")
			tokenError(w, http.StatusBadRequest, "invalid_grant", "this refresh token was already used: the connection is ended, sign in again")
			return
		default:
			tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		}
		if r.PostFormValue("client_id") != g.Client {
			s.endGrant(ctx, g, "refresh token presented by another client")
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was issued to another client")
			return
		}
		scopes := g.Scopes
		if sc := r.PostFormValue("scope"); sc != "" {
			asked, ok := parseScopes(sc)
			if !ok || !subset(asked, g.Scopes) {
				tokenError(w, http.StatusBadRequest, "invalid_scope", "a refresh can narrow the scopes granted, not widen them: authorize again for more")
				return
			}
			scopes = asked
		}
		if !checked {
			// The credentials behind the grant may have been revoked at
			// MyAPIHQ: then the client must sign in again, not keep
			// refreshing tokens that open nothing.
			_, err := s.o.HQ.Agent(ctx, g.Key, g.PIN)
			if errors.Is(err, ErrRefused) {
				s.endGrant(ctx, g, "MyAPIHQ refused the grant's credentials")
				tokenError(w, http.StatusBadRequest, "invalid_grant", "MyAPIHQ no longer accepts the credentials behind this connection: sign in again")
				return
			}
			if err != nil {
				s.log.Warn().Err(err).Msg("oauth: MyAPIHQ unreachable during a refresh")
				w.Header().Set("Retry-After", "5")
				tokenError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "MyAPIHQ cannot be reached: retry shortly")
				return
			}
			checked = true
		}
		at, rt := s.issue(g, scopes)
		won, err := s.swapGrant(ctx, g, raw)
		if err != nil {
			s.storeErr(w, err)
			return
		}
		if won {
			s.tokens(w, at, rt, scopes)
			return
		}
	}
	tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is being used concurrently")
}
