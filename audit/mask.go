package audit

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/myapihq/myapihq-mcp/services"
)

// Masker hides the secrets in one string. The project's one masker plugs
// in here; until it lands, MaskKnown wraps services.Mask, the strictest
// there is (known secrets, their base64 and escaped forms, and anything
// shaped like an API key or a JWT).
type Masker func(string) string

// MaskKnown masks the given secrets (the profile's PIN, key, token, a
// human's password) and anything shaped like a key or a JWT.
func MaskKnown(secrets ...string) Masker {
	s := services.Secrets{Mask: secrets}
	return func(text string) string { return services.Mask(s, text) }
}

// secretNames are argument names whose value is never stored, whatever it
// looks like (a tool or service body may carry one under these names).
var secretNames = []string{"pin", "password", "passwd", "secret", "token", "api_key", "apikey", "authorization",
	"cookie", "credential", "private_key", "client_secret"}

func secretName(k string) bool {
	k = strings.ToLower(k)
	for _, n := range secretNames {
		if strings.Contains(k, n) {
			return true
		}
	}
	return false
}

// Limits on what one entry keeps of the arguments: an entry is one line
// of a shared file, and a service_write body can be large.
const (
	maxString = 200 // runes per string
	maxKeys   = 40  // members per object, items per list
	maxDepth  = 4
)

// Masked is what a secret-named argument becomes.
const Masked = "[masked]"

// MaskArgs returns a copy of args fit for the trail: secret-named members
// replaced by Masked, every string (keys too) through mask, strings clipped,
// objects and lists cut short, nesting bounded.
func MaskArgs(args map[string]any, mask Masker) map[string]any {
	if len(args) == 0 {
		return nil
	}
	out, _ := maskValue(args, mask, 0).(map[string]any)
	return out
}

func maskValue(v any, mask Masker, depth int) any {
	if depth >= maxDepth {
		switch v.(type) {
		case map[string]any, []any:
			return "[nested]"
		}
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, min(len(keys), maxKeys+1))
		for i, k := range keys {
			if i == maxKeys {
				out["…"] = fmt.Sprintf("%d more", len(keys)-maxKeys)
				break
			}
			mk := clip(mask(k), 60)
			if secretName(k) {
				out[mk] = Masked
				continue
			}
			out[mk] = maskValue(x[k], mask, depth+1)
		}
		return out
	case []any:
		n := min(len(x), maxKeys)
		out := make([]any, 0, n+1)
		for _, item := range x[:n] {
			out = append(out, maskValue(item, mask, depth+1))
		}
		if len(x) > n {
			out = append(out, fmt.Sprintf("… %d more", len(x)-n))
		}
		return out
	case []string:
		items := make([]any, len(x))
		for i, s := range x {
			items[i] = s
		}
		return maskValue(items, mask, depth)
	case string:
		return clip(mask(x), maxString)
	case bool, nil, float64, float32, int, int64, int32, uint, uint64, uint32:
		return x
	default: // anything else is stored as its masked text
		return clip(mask(fmt.Sprint(x)), maxString)
	}
}

// clip cuts s to n runes on a rune boundary (invalid UTF-8 is replaced).
func clip(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n {
			break
		}
		count++
	}
	return s[:i] + "…"
}
