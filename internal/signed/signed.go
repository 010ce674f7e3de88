// Package signed is the one way this server hands a client a value that
// must come back unchanged: a consent question's state, a URL-mode
// elicitation's id. A token is the value's JSON and an HMAC-SHA256 over
// it under the server's state key, so replicas that share the key accept
// each other's tokens and a stateless server keeps nothing between the
// rounds. Each token names its purpose inside the MAC: one kind cannot
// pass for another. Expiry and single use are the caller's (the value
// carries them), since only the caller knows what they mean.
package signed

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// MaxToken bounds what Open reads: every token made here is far shorter.
const MaxToken = 8 << 10

// ErrForged: the token was not made by a holder of the key for this
// purpose, or was changed since.
var ErrForged = errors.New("not signed by this server")

// Signer makes and checks tokens under one key. It is not changed once
// made, so one signer serves every call.
type Signer struct{ key []byte }

// New is a signer for key; an empty key is a random one, for one process.
func New(key []byte) *Signer {
	if len(key) == 0 {
		key = randid.Bytes(32)
	}
	return &Signer{key: append([]byte(nil), key...)}
}

var enc = base64.RawURLEncoding

// Seal signs v (as JSON) for purpose.
func (s *Signer) Seal(purpose string, v any) (string, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return enc.EncodeToString(body) + "." + enc.EncodeToString(s.mac(purpose, body)), nil
}

// Open checks token for purpose and decodes its value into v.
func (s *Signer) Open(purpose, token string, v any) error {
	if len(token) > MaxToken {
		return ErrForged
	}
	b64body, b64sig, found := strings.Cut(token, ".")
	if !found {
		return ErrForged
	}
	body, err1 := enc.DecodeString(b64body)
	sig, err2 := enc.DecodeString(b64sig)
	if err1 != nil || err2 != nil || !hmac.Equal(sig, s.mac(purpose, body)) {
		return ErrForged
	}
	if json.Unmarshal(body, v) != nil {
		return ErrForged // ours, yet not of this shape: never trusted
	}
	return nil
}

func (s *Signer) mac(purpose string, body []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("myapihq-mcp " + purpose + "\x00"))
	m.Write(body)
	return m.Sum(nil)
}
