// Package elicitid makes the ids of URL-mode elicitations (the hosted
// checkout the human is sent to). An id is signed with the server's one
// signer (internal/signed, the key consent states use) and bound to the
// account, the checkout session and an expiry, so an answer or a
// completion that names an id this server never issued, one for another
// account or an old one is refused; its nonce makes each id unique. Any
// replica holding the key can check an id another replica issued.
package elicitid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/internal/signed"
)

// Binding is what an id is good for.
type Binding struct {
	Account string // the account whose checkout it is
	Session string // the checkout session id, or its URL when the service gives none
	Expires time.Time
	Nonce   string // makes the id unique
}

// Errors Verify returns; each means "refuse, save nothing".
var (
	ErrForged       = errors.New("elicitation id not issued by this server")
	ErrExpired      = errors.New("elicitation id expired")
	ErrOtherAccount = errors.New("elicitation id is not for this account")
)

const (
	prefix  = "ck1."
	purpose = "url elicitation v1"
)

type payload struct {
	A string `json:"a"` // the account's tag: 128 bits of its SHA-256 (the id names no account)
	S string `json:"s"`
	U int64  `json:"u"` // unix seconds
	N string `json:"n"`
}

// Issue makes an id for account's checkout session, good for ttl.
func Issue(s *signed.Signer, account, session string, now time.Time, ttl time.Duration) (string, Binding) {
	b := Binding{Account: account, Session: session, Expires: now.Add(ttl).Truncate(time.Second), Nonce: randid.Hex(16)}
	tok, err := s.Seal(purpose, payload{A: accountTag(account), S: session, U: b.Expires.Unix(), N: b.Nonce})
	if err != nil { // strings and a number always encode
		panic("elicitation id: " + err.Error())
	}
	return prefix + tok, b
}

// Verify checks that id was issued by a holder of s's key for account and
// has not expired; it returns the binding (its session and nonce).
func Verify(s *signed.Signer, id, account string, now time.Time) (Binding, error) {
	tok, isOurs := strings.CutPrefix(id, prefix)
	var p payload
	if !isOurs || s.Open(purpose, tok, &p) != nil {
		return Binding{}, ErrForged
	}
	if !hmac.Equal([]byte(p.A), []byte(accountTag(account))) {
		return Binding{}, ErrOtherAccount
	}
	b := Binding{Account: account, Session: p.S, Expires: time.Unix(p.U, 0), Nonce: p.N}
	if !now.Before(b.Expires) {
		return Binding{}, ErrExpired
	}
	return b, nil
}

func accountTag(account string) string {
	sum := sha256.Sum256([]byte(account))
	return hex.EncodeToString(sum[:16])
}
