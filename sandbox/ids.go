package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"time"
)

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomString returns n bytes of crypto randomness as lower-case base32.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // the OS has no entropy: nothing sane to do
	}
	return lowerBase32.EncodeToString(b)
}

// newID makes a public id such as "org_k3j…" (80 random bits).
func newID(prefix string) string { return prefix + "_" + randomString(10) }

// newPIN returns an agent PIN: 20 bytes = 160 bits, 32 characters.
func newPIN() string { return randomString(20) }

// newAPIKey returns "hq_live_" and 40 characters (200 bits).
func newAPIKey() string { return "hq_live_" + randomString(25) }

// hashSecret is for high-entropy secrets (PINs, keys, tokens): no salt needed.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// stamp formats a stored millisecond time the way every response shows it.
func stamp(msec int64) string {
	return time.UnixMilli(msec).UTC().Format("2006-01-02T15:04:05.000Z")
}

func displayCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s$%d.%02d", sign, c/100, c%100)
}
