package credentials

import "strings"

// Mask shows enough of a secret to tell two apart and nothing more:
// hq_live_…a1b2 for a key, ••••1234 for a PIN, eyJ…wxyz for a token.
// Account ids are not secret and are shown whole.
func Mask(field, v string) string {
	if v == "" {
		return ""
	}
	if field == FieldAccountID {
		return v
	}
	if len(v) < 12 {
		return "••••"
	}
	last4 := v[len(v)-4:]
	switch {
	case field == FieldPIN:
		return "••••" + last4
	case strings.HasPrefix(v, "hq_live_"):
		return "hq_live_…" + last4
	case strings.HasPrefix(v, "eyJ"):
		return "eyJ…" + last4
	}
	return v[:3] + "…" + last4
}

// IsMasked says whether v is what Mask shows rather than a secret: it
// holds the mask's ellipsis or bullets, which no PIN, key or token does.
func IsMasked(v string) bool {
	return strings.Contains(v, "…") || strings.Contains(v, "••••")
}
