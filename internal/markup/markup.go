// Package markup writes the server's few HTML pages (the sign-in and
// consent pages, the sandbox's console and checkout) from markup we wrote
// and values that are hostile until proven otherwise: a client's name, a
// web page's brand kit, a webhook's body.
//
// The format of each write is ours; every value put into it is escaped for
// a text or double-quoted attribute position, and a link value is kept
// only when it is a path on the same site or an http(s) URL. Pages are
// built in plain Go rather than html/template: executing a template reaches
// reflect's MethodByName, and then the linker keeps every exported method
// of every type in the binary, 9 MB of the release build (docs/benchmarks.md,
// "where the bytes went"; e2e TestLinkerDropsUnusedMethods keeps it so).
package markup

import (
	"fmt"
	"net/url"
	"strings"
)

// URL is a link target, for an href or src attribute.
type URL string

// Builder accumulates a page.
type Builder struct{ b strings.Builder }

// F writes format, a piece of our markup, with each verb filled by its
// argument made safe: a string escaped, a URL checked and escaped;
// numbers and booleans are written as fmt writes them. Nothing else is
// written unescaped: the only markup is the format's.
func (w *Builder) F(format string, args ...any) {
	safe := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			safe[i] = Escape(v)
		case URL:
			safe[i] = Escape(Link(string(v)))
		case int, int64, float64, bool:
			safe[i] = v
		default:
			// A value of another type could print anything: refuse it
			// where a test sees it, rather than guess how to escape it.
			panic(fmt.Sprintf("markup: argument %d is a %T", i, a))
		}
	}
	fmt.Fprintf(&w.b, format, safe...)
}

// If writes format like F when cond holds.
func (w *Builder) If(cond bool, format string, args ...any) {
	if cond {
		w.F(format, args...)
	}
}

// String is what has been written.
func (w *Builder) String() string { return w.b.String() }

var escaper = strings.NewReplacer(
	`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;",
	"\x00", "\uFFFD", // a NUL is a parse error in HTML; html/template writes U+FFFD too
)

// Escape makes s safe as text or as a double- or single-quoted attribute value.
func Escape(s string) string { return escaper.Replace(s) }

// Link keeps s if it is a path on this site ("/…", not "//…", which names
// another host), a fragment, or an absolute http or https URL; anything
// else (javascript:, data:, a scheme-relative or malformed URL, one with a
// space or control character) is "#".
func Link(s string) string {
	// Browsers drop tabs and newlines inside a URL, so "/\t/evil.example" is
	// "//evil.example" to them: a link with any control character or space
	// is not kept.
	if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return "#"
	}
	switch {
	case strings.HasPrefix(s, "#"):
		return s
	case strings.HasPrefix(s, "/"):
		if strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) {
			return "#"
		}
		return s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "#"
	}
	return s
}
