package oauth

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

// revoke is RFC 7009. Revoking any token of a grant (access or refresh)
// ends the whole grant: a client that lets go of one token means to end
// the connection. Unknown tokens are answered 200, as the RFC asks.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	cors(w)
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "send the parameters form-encoded in the body")
		return
	}
	if r.Header.Get("Authorization") != "" || r.PostForm.Has("client_secret") {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "clients here are public: send client_id, no secret")
		return
	}
	tok := r.PostFormValue("token")
	var id, h string
	var ok bool
	for _, p := range []string{accessPrefix, refreshPrefix} {
		if strings.HasPrefix(tok, p) {
			id, h, ok = parseToken(p, tok)
		}
	}
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	g, _, err := s.loadGrant(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		w.WriteHeader(http.StatusOK)
		return
	}
	if err != nil {
		s.storeErr(w, err)
		return
	}
	mine := sameHash(h, g.Refresh) || slices.ContainsFunc(g.Used, func(u string) bool { return sameHash(h, u) }) ||
		slices.ContainsFunc(g.Access, func(a access) bool { return sameHash(h, a.Hash) })
	if !mine {
		w.WriteHeader(http.StatusOK)
		return
	}
	if r.PostFormValue("client_id") != g.Client {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "this token was issued to another client")
		return
	}
	s.endGrant(r.Context(), g, "revoked by the client")
	w.WriteHeader(http.StatusOK)
}
