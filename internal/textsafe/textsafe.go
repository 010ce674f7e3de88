// Package textsafe is the one way to put text someone else wrote (the
// model, a web page, a service, a client) into a line that a model, a
// human or a log reads: such text may carry line breaks that start a fake
// paragraph, bidi controls that reorder what is shown, zero-width
// characters that hide a word, or simply be long. Every cut falls on a
// rune boundary, never inside a character.
package textsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuoted is Quote's cap, in characters: enough for a name, an id, a
// status or a short message.
const MaxQuoted = 80

// Ellipsis marks a cut.
const Ellipsis = "…"

// Invisible reports the characters that can hide or reorder text without
// being seen: format characters (Unicode category Cf: bidi controls,
// U+200B–U+200F, U+2060–U+2064, U+FEFF, …) and the line and paragraph
// separators U+2028 and U+2029.
func Invisible(r rune) bool {
	return r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r)
}

// Hidden reports what Spell writes out: invisible characters, control
// characters and the replacement character that stands for invalid UTF-8.
func Hidden(r rune) bool {
	return unicode.IsControl(r) || Invisible(r) || r == utf8.RuneError
}

// PrintableASCII says whether s holds only printable ASCII (no space, no
// control character): a host or URL a human reads as it is, where a
// Unicode look-alike (аpple.com with a Cyrillic а) or a line break could
// pass for something else. An internationalised name is written as its
// punycode (xn--…), which cannot.
func PrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Quote is QuoteN with the MaxQuoted cap.
func Quote(s string) string { return QuoteN(s, MaxQuoted) }

// QuoteN makes s one line (Line) and quotes it as a Go string literal, so
// that it can neither end the sentence around it nor start a line of its
// own.
func QuoteN(s string, max int) string { return strconv.Quote(Line(s, max)) }

// Line makes s one line of at most max characters: invisible characters
// go, every run of control and space characters becomes one space, and a
// cut falls on a word where one ends near the cap (prose reads "… or log
// in…", never "… or log in f…"), marked with an ellipsis.
func Line(s string, max int) string {
	var b strings.Builder
	n, space, lastSpace, lastSpaceN := 0, false, -1, 0
	for _, r := range s {
		switch {
		case Invisible(r):
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			space = true
			continue
		}
		sep := space && b.Len() > 0
		if sep && n+2 > max || n+1 > max {
			cut := b.String()
			// Back up to the last word's end if it keeps three quarters.
			if lastSpace > 0 && lastSpaceN >= max-max/4 {
				cut = cut[:lastSpace]
			}
			return cut + Ellipsis
		}
		if sep {
			lastSpace, lastSpaceN = b.Len(), n
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// Clip keeps at most max characters of s, cut on a rune boundary and
// marked with an ellipsis; nothing else changes (ids, paths, log fields).
func Clip(s string, max int) string {
	if len(s) <= max { // at most max bytes: at most max runes
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + Ellipsis
		}
		n++
	}
	return s
}

// ClipBytes keeps at most max bytes of s, cut on a rune boundary and
// marked with an ellipsis: for what is kept in memory by size.
func ClipBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + Ellipsis
}

// Spell writes every hidden character of s out as ⟨U+XXXX⟩, so a human
// reads exactly what is there (what a consent question shows, what the
// sandbox console prints).
func Spell(s string) string { return spell(s, false) }

// SpellLines is Spell that keeps newlines and tabs (a mail or a JSON body).
func SpellLines(s string) string { return spell(s, true) }

func spell(s string, keepLines bool) string {
	hidden := func(r rune) bool { return Hidden(r) && !(keepLines && (r == '\n' || r == '\t')) }
	if strings.IndexFunc(s, hidden) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			b.WriteString("⟨U+")
			h := strings.ToUpper(strconv.FormatInt(int64(r), 16))
			for range 4 - len(h) {
				b.WriteByte('0')
			}
			b.WriteString(h)
			b.WriteString("⟩")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
