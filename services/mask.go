package services

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Credentials that look like the ecosystem's, wherever they come from: a
// service that mints one must not hand it to the model. Compiled on first
// use: a session that never calls a service does not pay for them at start.
var (
	keyShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`hq_(?:live|test)_[A-Za-z0-9_-]{4,}`) })
	jwtShape = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+`)
	})
)

type masker struct{ secrets []string }

func newMasker(s Secrets) masker {
	m := masker{}
	for _, v := range append([]string{s.APIKey}, s.Mask...) {
		if len(v) >= 6 { // shorter "secrets" would mask half the answer
			m.secrets = append(m.secrets, v)
			m.secrets = append(m.secrets, base64Forms(v)...)
		}
	}
	return m
}

// base64Forms are the stretches of text that stay the same in the base64 of
// any data holding v (a service echoing "Authorization: Bearer <key>"
// base64'd): one per alignment of v in 3-byte groups, the edge characters
// that its neighbours change left out; standard and URL alphabets.
func base64Forms(v string) []string {
	var out []string
	for shift := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, shift), v...))
		from, to := (shift*8+5)/6, (shift+len(v))/3*4
		if to-from < 12 { // too short to be told from ordinary text
			continue
		}
		std := enc[from:to]
		out = append(out, std)
		if url := strings.NewReplacer("+", "-", "/", "_").Replace(std); url != std {
			out = append(out, url)
		}
	}
	return out
}

// escaped spells a character a credential is made of (letters, digits,
// "-._~") as a JSON \u escape or a percent escape: a reader decodes both,
// so a credential written that way is still one. Other escapes are left
// as they are, so the text reads as the service wrote it.
var escaped = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:\\u00|%)(?:2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])`)
})

func unescape(s string) string {
	if !strings.Contains(s, `\u00`) && !strings.Contains(s, "%") {
		return s
	}
	return escaped().ReplaceAllStringFunc(s, func(e string) string {
		n, err := strconv.ParseUint(e[len(e)-2:], 16, 8)
		if err != nil || n < 0x21 || n > 0x7e {
			return e
		}
		return string(rune(n))
	})
}

// Mask hides every stored secret and anything shaped like a key or a JWT.
func Mask(s Secrets, text string) string { return newMasker(s).text(text) }

func (m masker) text(s string) string {
	s = unescape(s)
	for _, v := range m.secrets {
		s = strings.ReplaceAll(s, v, "[masked secret]")
	}
	s = keyShape().ReplaceAllStringFunc(s, func(k string) string { return k[:8] + "…[masked]" })
	return jwtShape().ReplaceAllString(s, "[masked JWT]")
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
