package audit

import (
	"fmt"
	"slices"

	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// Limits on what one entry keeps of the arguments: an entry is one line
// of a shared file, and a service_write body can be large.
const (
	maxString = 200 // characters per string
	maxKeys   = 40  // members per object, items per list
	maxDepth  = 4
)

// Masked is what a secret-named argument becomes.
const Masked = "[masked]"

// MaskArgs returns a copy of args fit for the trail: secret-named members
// (mask.SecretName) replaced by Masked, every string (keys too) through m,
// strings clipped, objects and lists cut short, nesting bounded.
func MaskArgs(args map[string]any, m *mask.Masker) map[string]any {
	if len(args) == 0 {
		return nil
	}
	out, _ := maskValue(args, m, 0).(map[string]any)
	return out
}

func maskValue(v any, m *mask.Masker, depth int) any {
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
		slices.Sort(keys)
		out := make(map[string]any, min(len(keys), maxKeys+1))
		for i, k := range keys {
			if i == maxKeys {
				out["…"] = fmt.Sprintf("%d more", len(keys)-maxKeys)
				break
			}
			mk := textsafe.Clip(m.Text(k), 60)
			if mask.SecretName(k) {
				out[mk] = Masked
				continue
			}
			out[mk] = maskValue(x[k], m, depth+1)
		}
		return out
	case []any:
		n := min(len(x), maxKeys)
		out := make([]any, 0, n+1)
		for _, item := range x[:n] {
			out = append(out, maskValue(item, m, depth+1))
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
		return maskValue(items, m, depth)
	case string:
		return textsafe.Clip(m.Text(x), maxString)
	case bool, nil, float64, float32, int, int64, int32, uint, uint64, uint32:
		return x
	default: // anything else is stored as its masked text
		return textsafe.Clip(m.Text(fmt.Sprint(x)), maxString)
	}
}
