package services

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// MaxPath is the longest path the door passes on.
const MaxPath = 2000

// RuleError is a request the door refuses before any byte leaves: the
// message says what to change.
type RuleError struct{ Msg string }

func (e *RuleError) Error() string { return e.Msg }

func refuse(format string, args ...any) error { return &RuleError{fmt.Sprintf(format, args...)} }

// CheckPath enforces the path rules: an absolute path on the service's own
// API, nothing that could climb out of it or reach another host. Percent
// escapes are allowed except those that would spell a separator, a dot,
// a control character or another escape, the classic ways around such checks;
// escapes of bytes above 0x7f must spell UTF-8 (an overlong %C0%AE is a dot
// to a lenient decoder) and no character that Unicode normalisation folds
// into one of those. No ; at all: a Tomcat or Spring proxy drops a path
// parameter, reading /a/..;/b as /a/../b.
func CheckPath(p string) error {
	switch {
	case p == "":
		return refuse("path is empty: give the endpoint's path from the docs, e.g. /v1/domains")
	case len(p) > MaxPath:
		return refuse("path is %d characters: at most %d", len(p), MaxPath)
	case p[0] != '/':
		return refuse("path must start with / (a path on the service's API, not a URL): got %s", textsafe.QuoteN(p, 60))
	case strings.Contains(p, "//"):
		return refuse("path must not contain //")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return refuse("path has a malformed %% escape at byte %d", i)
			}
			v := unhex(p[i+1])<<4 | unhex(p[i+2])
			if v == ';' {
				return refuse("path must not hold ; (encoded %s): a path parameter is read differently by proxies (/a/..;/b as /a/../b)", p[i:i+3])
			}
			if v < 0x20 || v == 0x7f || v == '/' || v == '.' || v == '\\' || v == '%' {
				return refuse("path must not encode %q as %s: write the path plainly", rune(v), p[i:i+3])
			}
			i += 2
		case c == ';':
			return refuse("path must not hold ; (a path parameter): proxies read it differently (/a/..;/b as /a/../b, ;jsessionid= dropped)")
		case c == '?' || c == '#':
			return refuse("path must not hold %q: pass query parameters in query", c)
		case c == '@':
			return refuse("path must not hold @ (it could read as user info): encode it as %%40")
		case c == '\\':
			return refuse("path must not hold a backslash")
		case !pathChar(c):
			return refuse("path must be printable ASCII without spaces or <>\"{}|^` (percent-encode other characters); byte %d is 0x%02x", i, c)
		}
	}
	if err := checkEncodedText(p); err != nil {
		return err
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg != "" && strings.Trim(seg, ".") == "" { // . and .., and ... that some servers trim to nothing
			return refuse("path must not have a %q segment", seg)
		}
	}
	return nil
}

// checkEncodedText decodes p's escapes (well formed: CheckPath's loop
// checked them) and refuses bytes that are not UTF-8, and characters that
// Unicode normalisation (NFKC) or a best-fit code page folds into a
// character the rules refuse.
func checkEncodedText(p string) error {
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '%' {
			b = append(b, unhex(p[i+1])<<4|unhex(p[i+2]))
			i += 2
		} else {
			b = append(b, p[i])
		}
	}
	if !utf8.Valid(b) {
		return refuse("path's %%-escapes must spell UTF-8 characters: overlong or cut sequences (%%C0%%AE is a dot to a lenient decoder) are refused")
	}
	for _, r := range string(b) {
		if to, ok := lookalikes[r]; ok {
			return refuse("path must not encode %U: a server that normalises Unicode reads it as %q", r, to)
		}
	}
	return nil
}

// lookalikes are characters NFKC (or Windows' best-fit mapping) turns
// into ASCII that the path rules refuse or that splits a URL.
var lookalikes = map[rune]string{
	'\uFF0E': ".", '\uFE52': ".", '\u2024': ".", '\u2025': "..", '\u2026': "...",
	'\uFF0F': "/", '\u2215': "/", '\u2044': "/",
	'\uFF3C': "\\", '\uFE68': "\\", '\u2216': "\\",
	'\uFF1B': ";", '\uFE54': ";", '\u037E': ";",
	'\uFF05': "%", '\uFE6A': "%",
	'\uFF1F': "?", '\uFE56': "?", '\uFF03': "#", '\uFE5F': "#",
}

// Query checks the model's query object (every value a string) and encodes
// it in a stable order.
func Query(q map[string]any) (string, error) {
	if len(q) == 0 {
		return "", nil
	}
	if len(q) > 100 {
		return "", refuse("query has %d parameters: at most 100", len(q))
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	v := url.Values{}
	for _, k := range keys {
		s, isStr := q[k].(string)
		if !isStr {
			return "", refuse("query value %s must be a string (write numbers and booleans as strings)", textsafe.QuoteN(k, 60))
		}
		if k == "" || len(k) > 200 || len(s) > MaxPath {
			return "", refuse("query parameter %s: names of 1 to 200 characters, values up to %d", textsafe.QuoteN(k, 60), MaxPath)
		}
		v.Add(k, s)
	}
	return v.Encode(), nil
}

// pathChar: RFC 3986's pchar and "/", less what is handled above.
func pathChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:/", c) >= 0
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
