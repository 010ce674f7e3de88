package oauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// sealer encrypts every record the server stores (sign-in flows, grants,
// registered clients) with AES-256-GCM under a key derived from
// MYAPI_STATE_KEY by HKDF, so Redis (or a dump of it) holds no usable
// secret: not the agent's key and PIN a grant acts with, not a token. The
// record's store key is the additional data, so a sealed record cannot be
// moved under another key.
type sealer struct{ aead cipher.AEAD }

func newSealer(stateKey []byte) (*sealer, error) {
	if len(stateKey) < 32 {
		return nil, errors.New("the state key must be at least 32 bytes")
	}
	k, err := hkdf.Key(sha256.New, stateKey, []byte("myapihq-mcp oauth"), "records v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead}, nil
}

func (s *sealer) seal(key string, plain []byte) []byte {
	nonce := randid.Bytes(s.aead.NonceSize())
	return s.aead.Seal(nonce, nonce, plain, []byte(key))
}

var errSealed = errors.New("a stored record does not open with this state key")

func (s *sealer) open(key string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errSealed
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(key))
	if err != nil {
		return nil, errSealed
	}
	return out, nil
}
