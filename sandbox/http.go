package sandbox

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBody is the largest request body the API accepts (413 beyond).
const maxBody = 1 << 20

// authKind says which credential a route takes (docs/api.md, "Credentials").
type authKind int

const (
	authNone   authKind = iota
	authJWT             // any account's JWT: /hq/account/*, /hq/billing/*
	authHuman           // a human's JWT
	authAgent           // an agent's JWT
	authAPIKey          // hq_live_… key: everything else
)

// apiError is an answer the caller should see; anything else is a 500.
type apiError struct {
	status  int
	code    string
	message string
	// final marks a conflict that a retry cannot fix (X-Should-Retry: false).
	final bool
}

func (e *apiError) Error() string { return e.message }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func conflict(code, format string, args ...any) *apiError {
	e := fail(http.StatusConflict, code, format, args...)
	e.final = true
	return e
}

// call is one API request in flight: its transaction, caller and answer extras.
type call struct {
	s       *Server
	r       *http.Request
	tx      *sql.Tx
	now     time.Time
	body    []byte
	acct    *account // the authenticated caller, if the route needs one
	cookies []*http.Cookie
	after   []func() // run once the transaction has committed
}

// decode reads the JSON body into v. An empty body leaves v as it is, so
// routes whose body is optional need no special case.
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(c.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return fail(400, "malformed_json", "malformed JSON body: trailing data after the object")
	}
	return nil
}

func jsonError(err error) *apiError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		return fail(400, "invalid_field", "field %q must be %s, not %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fail(400, "malformed_json", "malformed JSON body at byte %d: %v", syntaxErr.Offset, syntaxErr)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return fail(400, "unknown_field", "%s", strings.TrimPrefix(err.Error(), "json: "))
	default:
		return fail(400, "malformed_json", "malformed JSON body: %v", err)
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "int32":
		return "an integer"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return goKind
}

// baseURL is where links the sandbox hands out point to.
func (c *call) baseURL() string {
	if c.s.opts.PublicURL != "" {
		return strings.TrimRight(c.s.opts.PublicURL, "/")
	}
	return "http://" + c.r.Host
}

type handlerFunc func(c *call) (status int, body any, err error)

type response struct {
	status int
	header http.Header
	body   []byte
}

// handle wraps a route: request id, body cap, rate limit, then auth, handler
// and idempotency record in one transaction, so a stored replay and the change
// it describes commit together or not at all.
func (s *Server) handle(auth authKind, fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reqID := newID("req")
		w.Header().Set("X-Request-Id", reqID)

		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, fail(http.StatusRequestEntityTooLarge, "body_too_large", "request body is over %d bytes", maxBody))
				return
			}
			writeError(w, fail(400, "bad_request", "reading request body: %v", err))
			return
		}

		for _, k := range rateKeys(r, auth, body) {
			if wait, ok := s.limiter.allow(k, s.now()); !ok {
				secs := int((wait + time.Second - 1) / time.Second)
				w.Header().Set("Retry-After", strconv.Itoa(secs))
				writeError(w, fail(http.StatusTooManyRequests, "rate_limited", "rate limit exceeded: retry after %d s", secs))
				return
			}
		}

		resp := s.run(r, body, auth, fn)
		for k, vs := range resp.header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.status)
		w.Write(resp.body) //nolint:errcheck // the client went away: nothing to do
	}
}

func (s *Server) run(r *http.Request, body []byte, auth authKind, fn handlerFunc) response {
	c := &call{s: s, r: r, body: body, now: s.now()}
	tx, err := s.st.db.BeginTx(r.Context(), nil)
	if err != nil {
		return internalError(err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	c.tx = tx

	if err := s.authenticate(c, auth); err != nil {
		return errorResponse(err)
	}

	key := r.Header.Get("Idempotency-Key")
	useKey := key != "" && r.Method != http.MethodGet
	var scope, fingerprint string
	if useKey {
		if len(key) > 255 {
			return errorResponse(fail(400, "invalid_idempotency_key", "Idempotency-Key is longer than 255 characters"))
		}
		scope = replayScope(c)
		sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
		fingerprint = hex.EncodeToString(sum[:])
		var stored response
		var storedFP string
		var blob []byte
		err := tx.QueryRow(`SELECT fingerprint, status, body FROM idempotency WHERE scope = ? AND key = ?`, scope, replayID(key)).
			Scan(&storedFP, &stored.status, &blob)
		switch {
		case err == nil:
			if storedFP != fingerprint {
				return errorResponse(fail(http.StatusUnprocessableEntity, "idempotency_key_reused",
					"this Idempotency-Key was used for a different request: use a new key for a new request"))
			}
			if stored.header, stored.body, err = openReplay(key, scope, blob); err != nil {
				return internalError(err)
			}
			stored.header.Set("Idempotent-Replayed", "true")
			return stored
		case !errors.Is(err, sql.ErrNoRows):
			return internalError(err)
		}
	}

	status, out, err := fn(c)
	var resp response
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			return internalError(err)
		}
		resp = errorResponse(ae)
	} else {
		b, err := json.Marshal(out)
		if err != nil {
			return internalError(err)
		}
		resp = response{status: status, header: http.Header{}, body: b}
		for _, ck := range c.cookies {
			resp.header.Add("Set-Cookie", ck.String())
		}
	}

	if useKey {
		blob, err := sealReplay(key, scope, resp)
		if err != nil {
			return internalError(err)
		}
		if _, err := tx.Exec(`INSERT INTO idempotency(scope, key, fingerprint, status, headers, body, created_at) VALUES (?,?,?,?,'{}',?,?)`,
			scope, replayID(key), fingerprint, resp.status, blob, ms(c.now)); err != nil {
			return internalError(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return internalError(err)
	}
	for _, f := range c.after {
		f()
	}
	return resp
}

func errorResponse(err error) response {
	var ae *apiError
	if !errors.As(err, &ae) {
		return internalError(err)
	}
	h := http.Header{}
	if ae.final {
		h.Set("X-Should-Retry", "false")
	}
	b, _ := json.Marshal(errorBody(ae))
	return response{status: ae.status, header: h, body: b}
}

func errorBody(ae *apiError) map[string]any {
	return map[string]any{"success": false, "error": map[string]any{"code": ae.code, "message": ae.message}}
}

// internalError hides the cause from the caller: the sandbox's own faults are
// 500s that a retry may cure, as the real service's would be.
func internalError(err error) response {
	b, _ := json.Marshal(errorBody(fail(500, "internal_error", "internal error: %v", err)))
	return response{status: 500, header: http.Header{}, body: b}
}

func writeError(w http.ResponseWriter, ae *apiError) {
	resp := errorResponse(ae)
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	w.Write(resp.body) //nolint:errcheck
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) //nolint:errcheck
}

// rateKeys are the buckets a request is counted against (docs/api.md,
// "Rate limits"). An anonymous route (login, register, agent/token) counts
// against the client's address, never a header the caller can vary at will;
// login also against the email it tries, so guessing one password from many
// addresses is slowed too. Other routes count against their credential.
func rateKeys(r *http.Request, auth authKind, body []byte) []string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr := "addr:" + host
	if auth != authNone {
		if a := r.Header.Get("Authorization"); a != "" {
			return []string{"cred:" + hashSecret(a)}
		}
		return []string{addr}
	}
	keys := []string{addr}
	if r.URL.Path == "/hq/account/login" {
		var in struct {
			Email string `json:"email"`
		}
		if json.Unmarshal(body, &in) == nil && in.Email != "" {
			keys = append(keys, "email:"+hashSecret(strings.ToLower(strings.TrimSpace(in.Email))))
		}
	}
	return keys
}

func bearer(r *http.Request) string {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}
