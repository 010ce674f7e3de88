package sandbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// Idempotent replays hold what the first answer held: a PIN, an API key, a
// JWT, a refresh cookie. The state file must not give those to whoever can
// read it, so a replay is stored sealed with AES-GCM under a key derived from
// the client's Idempotency-Key, and the Idempotency-Key itself only as a
// hash: only the client that holds the key can open its replay
// (docs/api.md, "Idempotency").

func replayID(key string) string {
	sum := sha256.Sum256([]byte("myapihq-sandbox replay id\x00" + key))
	return hex.EncodeToString(sum[:])
}

func replayCipher(key string) cipher.AEAD {
	k := sha256.Sum256([]byte("myapihq-sandbox replay key\x00" + key))
	block, _ := aes.NewCipher(k[:]) // a 32-byte key never fails
	aead, _ := cipher.NewGCM(block)
	return aead
}

type sealedReplay struct {
	Header http.Header `json:"h"`
	Body   []byte      `json:"b"`
}

// sealReplay encrypts an answer; scope and fingerprint are bound as
// associated data, so a row moved to another scope does not open.
func sealReplay(key, scope string, resp response) ([]byte, error) {
	plain, err := json.Marshal(sealedReplay{Header: resp.header, Body: resp.body})
	if err != nil {
		return nil, err
	}
	aead := replayCipher(key)
	nonce := randid.Bytes(aead.NonceSize())
	return aead.Seal(nonce, nonce, plain, []byte(scope)), nil
}

func openReplay(key, scope string, blob []byte) (http.Header, []byte, error) {
	aead := replayCipher(key)
	if len(blob) < aead.NonceSize() {
		return nil, nil, errors.New("stored replay is truncated")
	}
	plain, err := aead.Open(nil, blob[:aead.NonceSize()], blob[aead.NonceSize():], []byte(scope))
	if err != nil {
		return nil, nil, errors.New("stored replay does not open")
	}
	var r sealedReplay
	if err := json.Unmarshal(plain, &r); err != nil {
		return nil, nil, err
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	return r.Header, r.Body, nil
}

// replayScope is whose replays a request may see: the authenticated
// account's, or for an anonymous route the credential that route takes (the
// refresh cookie), so a replay never answers a caller without it.
func replayScope(c *call) string {
	if c.acct != nil {
		return c.acct.ID
	}
	cred := ""
	if ck, err := c.r.Cookie(refreshCookie); err == nil {
		cred = ck.Value
	}
	return "anon:" + hashSecret(cred)
}
