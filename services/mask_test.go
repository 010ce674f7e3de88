package services

import (
	"encoding/base64"
	"strings"
	"testing"
)

// A stored key echoed back base64'd, at any offset and in either alphabet,
// or spelled with JSON or percent escapes, is still masked.
func TestMaskFindsEncodedSecrets(t *testing.T) {
	t.Parallel()
	key := "hq_live_fisour6ce7rsiygvch245ie7o2uhwbzqw"
	m := newMasker(Secrets{APIKey: key})
	for pre := range 6 {
		for post := range 4 {
			raw := []byte(strings.Repeat("P", pre) + key + strings.Repeat("s", post))
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				e := enc.EncodeToString(raw)
				if got := m.text("seen: " + e); strings.Contains(got, e[len(e)/2-4:len(e)/2+4]) {
					t.Errorf("base64 (pre %d, post %d) not masked: %s", pre, post, got)
				}
			}
		}
	}
	for _, s := range []string{`hq\u005flive_fisour6ce7rsiygvch245ie7o2uhwbzqw`, "hq%5Flive_fisour6ce7rsiygvch245ie7o2uhwbzqw",
		`hq\u005f\u006cive_MINTEDMINTED`} {
		if got := m.text(s); strings.Contains(got, "fisour6ce7") || strings.Contains(got, "MINTEDMINTED") {
			t.Errorf("escaped credential not masked: %s", got)
		}
	}
	// ordinary text is left alone
	if got := m.text(`{"name":"caf\u00e9 100%"}`); got != `{"name":"caf\u00e9 100%"}` {
		t.Errorf("ordinary text changed: %s", got)
	}
}
