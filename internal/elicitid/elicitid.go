// Package elicitid signs the ids of URL-mode elicitations (the hosted
// checkout the human is sent to). An id is bound to the account, the
// checkout session and an expiry under the server's state key, and holds
// a single-use nonce, so an answer or a completion that names an id this
// server never issued, one for another account, an old one or a replayed
// one is refused (the nonce is the caller's to record, in the same store
// as consent nonces). Like consent's request state, any replica holding
// the key can check an id another replica issued.
package elicitid

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Binding is what an id is good for.
type Binding struct {
	Account string // the account whose checkout it is
	Session string // the checkout session id, or its URL when the service gives none
	Expires time.Time
	Nonce   string // single use: the caller records it when it acts on the id
}

// Errors Verify returns; each means "refuse, save nothing".
var (
	ErrForged       = errors.New("elicitation id not issued by this server")
	ErrExpired      = errors.New("elicitation id expired")
	ErrOtherAccount = errors.New("elicitation id is not for this account")
)

const prefix = "ck1."

type payload struct {
	A string `json:"a"` // the account's tag (first 8 bytes of its SHA-256): names the refusal; the MAC binds the full id
	S string `json:"s"`
	U int64  `json:"u"` // unix seconds
	N string `json:"n"`
}

// Issue makes an id for account's checkout session, good for ttl.
func Issue(key []byte, account, session string, now time.Time, ttl time.Duration) (string, Binding) {
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	b := Binding{Account: account, Session: session, Expires: now.Add(ttl).Truncate(time.Second), Nonce: hex.EncodeToString(nonce)}
	body, _ := json.Marshal(payload{A: accountTag(account), S: session, U: b.Expires.Unix(), N: b.Nonce})
	enc := base64.RawURLEncoding
	return prefix + enc.EncodeToString(body) + "." + enc.EncodeToString(mac(key, account, body)), b
}

// Verify checks that id was issued by a holder of key for account and has
// not expired; it returns the binding (its session and nonce).
func Verify(key []byte, id, account string, now time.Time) (Binding, error) {
	rest, isOurs := strings.CutPrefix(id, prefix)
	b64body, b64sig, found := strings.Cut(rest, ".")
	if !isOurs || !found || len(id) > 2048 {
		return Binding{}, ErrForged
	}
	enc := base64.RawURLEncoding
	body, err1 := enc.DecodeString(b64body)
	sig, err2 := enc.DecodeString(b64sig)
	var p payload
	if err1 != nil || err2 != nil || json.Unmarshal(body, &p) != nil {
		return Binding{}, ErrForged
	}
	if !hmac.Equal([]byte(p.A), []byte(accountTag(account))) {
		return Binding{}, ErrOtherAccount // not checked as ours: either way, refused
	}
	if !hmac.Equal(sig, mac(key, account, body)) {
		return Binding{}, ErrForged
	}
	b := Binding{Account: account, Session: p.S, Expires: time.Unix(p.U, 0), Nonce: p.N}
	if !now.Before(b.Expires) {
		return Binding{}, ErrExpired
	}
	return b, nil
}

func accountTag(account string) string {
	sum := sha256.Sum256([]byte(account))
	return hex.EncodeToString(sum[:8])
}

// mac binds the body to the full account id, not only its tag.
func mac(key []byte, account string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("myapihq-mcp url elicitation v1\x00"))
	m.Write([]byte(account))
	m.Write([]byte{0})
	m.Write(body)
	return m.Sum(nil)
}
