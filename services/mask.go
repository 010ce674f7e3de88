package services

import (
	"regexp"
	"strings"
)

// Credentials that look like the ecosystem's, wherever they come from: a
// service that mints one must not hand it to the model.
var (
	keyShape = regexp.MustCompile(`hq_(?:live|test)_[A-Za-z0-9_-]{4,}`)
	jwtShape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+`)
)

type masker struct{ secrets []string }

func newMasker(s Secrets) masker {
	m := masker{}
	for _, v := range append([]string{s.APIKey}, s.Mask...) {
		if len(v) >= 6 { // shorter "secrets" would mask half the answer
			m.secrets = append(m.secrets, v)
		}
	}
	return m
}

// Mask hides every stored secret and anything shaped like a key or a JWT.
func Mask(s Secrets, text string) string { return newMasker(s).text(text) }

func (m masker) text(s string) string {
	for _, v := range m.secrets {
		s = strings.ReplaceAll(s, v, "[masked secret]")
	}
	s = keyShape.ReplaceAllStringFunc(s, func(k string) string { return k[:8] + "…[masked]" })
	return jwtShape.ReplaceAllString(s, "[masked JWT]")
}

// value masks every string of a decoded JSON value, keys included (after
// decoding, so \u escapes cannot hide one).
func (m masker) value(v any) any {
	switch x := v.(type) {
	case string:
		return m.text(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[m.text(k)] = m.value(val)
		}
		return out
	case []any:
		for i := range x {
			x[i] = m.value(x[i])
		}
		return x
	}
	return v
}
