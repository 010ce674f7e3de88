// Package randid makes the random values the server and the sandbox hand
// out (ids, keys, nonces, salts), all from crypto/rand: one place to read
// how each is made and how long it is.
package randid

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
)

// Bytes is n random bytes. crypto/rand.Read does not fail on the
// platforms Go supports (it crashes the program if the OS has no entropy).
func Bytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// Hex is n random bytes, hex-encoded (2n characters).
func Hex(n int) string { return hex.EncodeToString(Bytes(n)) }

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Base32 is n random bytes in lower-case base32: ids and keys a human may
// read or type (8n/5 characters, rounded up).
func Base32(n int) string { return lowerBase32.EncodeToString(Bytes(n)) }
