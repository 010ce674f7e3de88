package sandbox

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

type account struct {
	ID            string
	Kind          string // agent | human
	Label         string
	Email         sql.NullString
	Verified      bool
	BalanceCents  int64
	PaymentMethod sql.NullString
	CreatedAt     int64
}

const accountCols = `id, kind, label, email, verified, balance_cents, payment_method, created_at`

func scanAccount(row interface{ Scan(...any) error }) (*account, error) {
	a := &account{}
	err := row.Scan(&a.ID, &a.Kind, &a.Label, &a.Email, &a.Verified, &a.BalanceCents, &a.PaymentMethod, &a.CreatedAt)
	return a, err
}

func loadAccount(tx *sql.Tx, where string, arg any) (*account, error) {
	return scanAccount(tx.QueryRow(`SELECT `+accountCols+` FROM accounts WHERE `+where, arg))
}

// view is an account as the API shows it (the reference's unnamed Account).
func (a *account) view() map[string]any {
	v := map[string]any{"account_id": a.ID, "type": a.Kind, "created_at": stamp(a.CreatedAt)}
	if a.Label != "" {
		v["label"] = a.Label
	}
	if a.Email.Valid {
		v["email"] = a.Email.String
	}
	return v
}

// authenticate checks the credential a route asks for and loads the caller.
// Messages say which credential was expected, because sending the JWT where
// the API key belongs (or the reverse) is the mistake callers make.
func (s *Server) authenticate(c *call, kind authKind) error {
	if kind == authNone {
		return nil
	}
	tok := bearer(c.r)
	if tok == "" {
		return fail(401, "missing_credentials", "missing Authorization: Bearer header")
	}
	isKey := strings.HasPrefix(tok, "hq_live_")
	if kind == authAPIKey {
		if !isKey {
			return fail(401, "api_key_required", "this endpoint takes an API key (hq_live_…), not a JWT: create one at POST /hq/account/create/key")
		}
		a, err := scanAccount(c.tx.Stmt(c.s.st.accountByKey).QueryRow(hashSecret(tok)))
		if errors.Is(err, sql.ErrNoRows) {
			return fail(401, "invalid_api_key", "invalid or revoked API key")
		}
		if err != nil {
			return err
		}
		c.acct = a
		return nil
	}
	if isKey {
		return fail(401, "jwt_required", "this endpoint takes a JWT (from agent/token or login), not an API key")
	}
	sub, err := s.parseJWT(tok, c.now)
	if err != nil {
		return err
	}
	a, err := scanAccount(c.tx.Stmt(c.s.st.accountByID).QueryRow(sub))
	if errors.Is(err, sql.ErrNoRows) {
		return fail(401, "invalid_token", "the token's account no longer exists")
	}
	if err != nil {
		return err
	}
	switch {
	case kind == authHuman && a.Kind != "human":
		return fail(403, "human_only", "only a human account can do this: log in with email and password")
	case kind == authAgent && a.Kind != "agent":
		return fail(403, "agent_only", "only an agent account can do this")
	}
	c.acct = a
	return nil
}

func prefixCols(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}

type tokenClaims struct {
	Kind string `json:"typ"`
	jwt.RegisteredClaims
}

// issueToken signs a JWT for the account (HS256; key kept in the state, so
// every process sharing it accepts every other's tokens).
func (s *Server) issueToken(a *account, now time.Time) (string, time.Time, error) {
	exp := now.Add(s.opts.TokenTTL)
	claims := tokenClaims{Kind: a.Kind, RegisteredClaims: jwt.RegisteredClaims{
		Subject:   a.ID,
		Issuer:    "myapihq-sandbox",
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
		ID:        randid.Base32(8),
	}}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.st.jwtKey)
	return tok, exp, err
}

// verified remembers tokens whose signature checked out, until they
// expire: an agent sends the same JWT on every call for its lifetime.
type verified struct {
	mu sync.Mutex
	m  map[string]verifiedToken
}

type verifiedToken struct {
	sub string
	exp time.Time
}

func (v *verified) get(tok string, now time.Time) (string, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	e, ok := v.m[tok]
	if !ok || !now.Before(e.exp) {
		return "", false
	}
	return e.sub, true
}

func (v *verified) put(tok, sub string, exp time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= 10_000 { // bounded: start over rather than grow
		v.m = map[string]verifiedToken{}
	}
	v.m[tok] = verifiedToken{sub, exp}
}

func (s *Server) parseJWT(tok string, now time.Time) (string, error) {
	if sub, ok := s.tokens.get(tok, now); ok {
		return sub, nil
	}
	claims := &tokenClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return s.st.jwtKey, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", fail(401, "token_expired", "the token has expired: exchange the PIN at POST /hq/account/agent/token, or log in again")
	case err != nil:
		return "", fail(401, "invalid_token", "invalid token")
	}
	s.tokens.put(tok, claims.Subject, claims.ExpiresAt.Time)
	return claims.Subject, nil
}

func (s *Server) tokenBody(a *account, now time.Time) (map[string]any, error) {
	tok, exp, err := s.issueToken(a, now)
	if err != nil {
		return nil, err
	}
	return map[string]any{"token": tok, "account_id": a.ID, "token_type": "Bearer", "expires_at": exp.UTC().Format(time.RFC3339)}, nil
}

// Passwords: PBKDF2-SHA256 with a per-password salt, stored as
// pbkdf2-sha256$<iterations>$<salt>$<hash>.
func (s *Server) hashPassword(pw string) (string, error) {
	salt := randid.Bytes(16)
	n := s.opts.PasswordIterations
	dk, err := pbkdf2.Key(sha256.New, pw, salt, n, 32)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("pbkdf2-sha256$%d$%s$%s", n, enc.EncodeToString(salt), enc.EncodeToString(dk)), nil
}

func checkPassword(stored, pw string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	n, err := strconv.Atoi(parts[1])
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[2])
	want, err2 := enc.DecodeString(parts[3])
	if err != nil || err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, n, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// rateLimiter is a token bucket per credential, in memory: each process
// limits what it serves, as each edge node of a real service would.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), buckets: map[string]*bucket{}}
}

// allow takes one token for key; when none is left it says how long to wait.
func (l *rateLimiter) allow(key string, now time.Time) (time.Duration, bool) {
	if l.rate < 0 {
		return 0, true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) > 100_000 { // bound memory under a flood of distinct keys
			clear(l.buckets)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}
