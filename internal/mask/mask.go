// Package mask is the one masker of secrets: what a tool result, a
// resource, a log line or an error may show of a PIN, an API key, a token
// or a password. The same rules hold for the hub's answers and for the
// other services' (the services door), so that no answer misses a defence
// another has:
//
//   - by value: every known secret of 6 characters or more, written
//     plainly, spelled with \u or % escapes, or inside base64 text (either
//     alphabet, any alignment);
//   - by shape: anything shaped like an ecosystem key (hq_live_…,
//     hq_test_…) or a JWT, known or not;
//   - by name: in decoded JSON, the value of every secret-named member
//     (pin, password, token, access_token, refresh_token, api_key) is
//     shown as Display shows it, unless the caller reveals on purpose.
//
// Display is how a secret is shown to tell two apart (hq_live_…a1b2,
// ••••1234, eyJ…wxyz), and URLs hides the user info of URLs in a message.
package mask

import (
	"encoding/base64"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Kinds of secret, as Display shows them; the names are the credential
// store's field names.
const (
	AccountID = "account_id" // not a secret: shown whole
	PIN       = "pin"
	Key       = "api_key"
	Token     = "token"
)

// MinLen: a known value shorter than this is not masked by value (it
// would mask ordinary words); every real secret here is far longer.
const MinLen = 6

// Display shows enough of a secret to tell two apart and nothing more:
// hq_live_…a1b2 for a key, ••••1234 for a PIN or password, eyJ…wxyz for a
// token. Account ids are not secret and are shown whole.
func Display(kind, v string) string {
	if v == "" {
		return ""
	}
	if kind == AccountID {
		return v
	}
	if len(v) < 12 {
		return "••••"
	}
	last4 := v[len(v)-4:]
	switch {
	case kind == PIN:
		return "••••" + last4
	case strings.HasPrefix(v, "hq_live_"):
		return "hq_live_…" + last4
	case strings.HasPrefix(v, "eyJ"):
		return "eyJ…" + last4
	}
	return v[:3] + "…" + last4
}

// IsDisplay says whether v is what Display shows rather than a secret: it
// holds Display's ellipsis or bullets, which no PIN, key or token does.
func IsDisplay(v string) bool {
	return strings.Contains(v, "…") || strings.Contains(v, "••••")
}

// Secret is a value to hide wherever it appears, and its kind.
type Secret struct{ Kind, Value string }

// names are the JSON members whose value is a secret, and its kind.
var names = map[string]string{
	"pin": PIN, "password": PIN, "token": Token, "access_token": Token, "refresh_token": Token, "api_key": Key,
}

// storedNames are the words that make a member name a secret's for what
// is kept (an audit entry): any name holding one, in any case and however
// its words are joined (X-Api-Key, api key, apiKey, private_key), is never
// stored, whatever its value looks like. Wider than names, which are the
// members an answer shows as Display does; a name caught by mistake (a
// "shipping" holds "pin") costs a value in the trail, never a secret.
var storedNames = []string{"pin", "password", "passwd", "passphrase", "pwd", "secret", "token", "apikey", "authorization",
	"bearer", "jwt", "session", "cookie", "credential", "privatekey", "otp", "cvc", "cvv", "cardnumber"}

// SecretName says whether a member named name may hold a secret (pin,
// X-Api-Key, client_secret, Authorization, …): what is stored keeps no
// value of such a member.
func SecretName(name string) bool {
	name = strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', ' ', '.':
			return -1 // words joined any way read as one
		}
		return unicode.ToLower(r)
	}, name)
	for _, n := range storedNames {
		if strings.Contains(name, n) {
			return true
		}
	}
	return false
}

// Credentials shaped like the ecosystem's, wherever they come from.
// Compiled on first use: a start that masks nothing does not pay for them.
var (
	keyShape = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`hq_(?:live|test)_[A-Za-z0-9_-]{4,}`) })
	jwtShape = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+`)
	})
	// escaped spells a character credentials are made of (letters, digits,
	// "-._~") as a JSON \u escape or a percent escape: a reader decodes
	// both, so a credential written that way is still one.
	escaped = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:\\u00|%)(?:2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])`)
	})
)

// Masker masks one call's known secrets. It is not changed once made, so
// one masker may serve many calls at once.
type Masker struct {
	plain []Secret // each at least MinLen, longest first
	forms []string // their base64 forms
	// reveal leaves secret-named members and key or JWT shapes as they are
	// (the user asked to see a key in full); known secrets are masked all
	// the same.
	reveal bool
}

// Revealing is m for a call that asked to see a key in full.
func (m *Masker) Revealing() *Masker {
	r := *m
	r.reveal = true
	return &r
}

// New makes a masker for the given secrets (empty and short ones are
// dropped).
func New(secrets ...Secret) *Masker {
	m := &Masker{}
	for _, s := range secrets {
		if len(s.Value) < MinLen || m.knows(s.Value) {
			continue
		}
		m.plain = append(m.plain, s)
		m.forms = append(m.forms, base64Forms(s.Value)...)
	}
	// A secret inside another is masked after it, so the longer is whole.
	slices.SortStableFunc(m.plain, func(a, b Secret) int { return len(b.Value) - len(a.Value) })
	return m
}

func (m *Masker) knows(v string) bool {
	for _, s := range m.plain {
		if s.Value == v {
			return true
		}
	}
	return false
}

// Without is m less one value (the one secret a result shows on purpose).
func (m *Masker) Without(v string) *Masker {
	if !m.knows(v) {
		return m
	}
	var keep []Secret
	for _, s := range m.plain {
		if s.Value != v {
			keep = append(keep, s)
		}
	}
	out := New(keep...)
	out.reveal = m.reveal
	return out
}

// Empty: nothing known to mask by value.
func (m *Masker) Empty() bool { return len(m.plain) == 0 }

// Clean says whether Text would leave b as it is, without changing it: no
// known secret or base64 form of one, no escape that could spell one and,
// unless revealing, no secret-named member, key or JWT shape. It is the
// test that lets a clean answer pass through as bytes, undecoded
// (BenchmarkWrapper/finish_raw in tools).
func (m *Masker) Clean(b []byte) bool {
	s := string(b)
	if strings.Contains(s, `\u`) || strings.Contains(s, "%") {
		return false
	}
	if !m.reveal {
		if strings.Contains(s, "hq_live_") || strings.Contains(s, "hq_test_") || strings.Contains(s, "eyJ") {
			return false
		}
		for n := range names {
			if strings.Contains(s, `"`+n+`"`) {
				return false
			}
		}
	}
	for _, p := range m.plain {
		if strings.Contains(s, p.Value) {
			return false
		}
	}
	for _, f := range m.forms {
		if strings.Contains(s, f) {
			return false
		}
	}
	return true
}

// Text masks s: known secrets (plain, escaped, base64) and, unless
// revealing, key and JWT shapes. What only escapes hid is masked in the
// unescaped text; text holding nothing to mask is returned as it was
// written, escapes included.
func (m *Masker) Text(s string) string {
	out := m.text(s)
	if u := unescape(out); u != out {
		if mu := m.text(u); mu != u {
			return mu
		}
	}
	return out
}

func (m *Masker) text(s string) string {
	out := s
	for _, p := range m.plain {
		if strings.Contains(out, p.Value) {
			out = strings.ReplaceAll(out, p.Value, Display(p.Kind, p.Value))
			// The shown last characters and what follows could spell the
			// secret again (a value of repeated characters): then nothing
			// of it is shown.
			out = strings.ReplaceAll(out, p.Value, "[masked secret]")
		}
	}
	for _, f := range m.forms {
		if strings.Contains(out, f) {
			out = strings.ReplaceAll(out, f, "[masked secret]")
		}
	}
	if !m.reveal {
		if strings.Contains(out, "hq_") {
			out = keyShape().ReplaceAllStringFunc(out, func(k string) string { return k[:8] + "…[masked]" })
		}
		if strings.Contains(out, "eyJ") {
			out = jwtShape().ReplaceAllString(out, "[masked JWT]")
		}
	}
	return out
}

// Value masks a decoded JSON value, member names included (after
// decoding, so \u escapes cannot hide one), and, unless revealing, shows
// secret-named members as Display does. Maps and slices are copied: the
// input is not changed.
func (m *Masker) Value(v any) any {
	switch x := v.(type) {
	case string:
		return m.Text(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if kind, secret := names[k]; secret && !m.reveal {
				if s, isStr := val.(string); isStr {
					out[k] = Display(kind, s)
					continue
				}
			}
			out[m.Text(k)] = m.Value(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = m.Value(x[i])
		}
		return out
	}
	return v
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

// unescape decodes the escapes that spell credential characters; other
// escapes are left as they are.
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

// Err is err with its message masked (Text, then URLs), still wrapping
// err for errors.Is and As: for an error a log line prints, whose text a
// service or a URL someone gave may have written.
func (m *Masker) Err(err error) error {
	if err == nil {
		return nil
	}
	msg := URLs(m.Text(err.Error()))
	if msg == err.Error() {
		return err
	}
	return &maskedError{msg: msg, err: err}
}

type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// userInfo matches the user info of a URL (scheme://user:password@).
var userInfo = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s"']*@`) })

// URLs hides the user info of every URL in s: a message that quotes a
// refused --base-url or MYAPI_REDIS_URL must not print its password.
func URLs(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return userInfo().ReplaceAllString(s, "${1}…@")
}
