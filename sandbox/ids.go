package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// newID makes a public id such as "org_k3j…" (80 random bits).
func newID(prefix string) string { return prefix + "_" + randid.Base32(10) }

// newPIN returns an agent PIN: 20 bytes = 160 bits, 32 characters.
func newPIN() string { return randid.Base32(20) }

// newAPIKey returns "hq_live_" and 40 characters (200 bits).
func newAPIKey() string { return "hq_live_" + randid.Base32(25) }

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
