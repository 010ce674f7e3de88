package oauth

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clip makes client-supplied text (a client name, a URL) safe to show in
// a line: invalid UTF-8, control, bidi and zero-width characters are
// dropped and the length is capped on a rune boundary. The pages escape it
// as well (html/template). When internal/textsafe lands on main this is
// its one call site to switch over.
func clip(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r) {
			continue
		}
		if n == max {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}
