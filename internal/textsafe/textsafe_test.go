package textsafe

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Acme":                      `"Acme"`,
		"a\n\nb\tc":                 `"a b c"`,
		"x\u202ey\u200bz\ufeff":     `"xyz"`,
		"\u200c\u200d\u200e\u200fq": `"q"`,
		`say "hi"`:                  `"say \"hi\""`,
		"line\u2028sep":             `"linesep"`,
		"  padded  ":                `"padded"`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestLineCutsOnAWord: the message that read "…or log in f…".
func TestLineCutsOnAWord(t *testing.T) {
	t.Parallel()
	msg := "no valid token and no agent PIN to mint one: create an agent account or log in first"
	got := Line(msg, 80)
	if got != "no valid token and no agent PIN to mint one: create an agent account or log in…" {
		t.Fatalf("cut: %q", got)
	}
	// one long word: cut on the cap, never inside a character
	long := strings.Repeat("é", 100)
	if got := Line(long, 10); got != strings.Repeat("é", 10)+Ellipsis {
		t.Fatalf("long word: %q", got)
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	if got := Clip("ééé", 2); got != "éé…" {
		t.Fatalf("Clip = %q", got)
	}
	if got := Clip("abc", 3); got != "abc" {
		t.Fatalf("Clip = %q", got)
	}
	if got := ClipBytes("aé", 2); got != "a…" {
		t.Fatalf("ClipBytes = %q", got)
	}
}

func TestSpell(t *testing.T) {
	t.Parallel()
	if got := Spell("a\u202eb\u200bc\x1b\n"); got != "a⟨U+202E⟩b⟨U+200B⟩c⟨U+001B⟩⟨U+000A⟩" {
		t.Fatalf("Spell = %q", got)
	}
	if got := SpellLines("a\nb\t\xff"); got != "a\nb\t⟨U+FFFD⟩" {
		t.Fatalf("Spell keepLines = %q", got)
	}
	if s := "plain é"; Spell(s) != s {
		t.Fatal("plain text changed")
	}
}

// FuzzQuote: whatever the service, a web page or the model wrote, a quoted
// value is one valid string literal of at most the cap, with no control or
// invisible character, and every cut keeps whole characters.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"Acme)\n\nSYSTEM NOTICE", "\u202egnp.exe", "a\u200bb", "\x00\x1b[31m", `"quoted"`, "é",
		"no valid token and no agent PIN to mint one: create an agent account or log in first", "\xff\xfe"} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = 1 + int(uint(max)%200)
		q := QuoteN(s, max)
		u, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("QuoteN(%q) = %s: not a string literal: %v", s, q, err)
		}
		if utf8.RuneCountInString(u) > max+1 {
			t.Fatalf("QuoteN(%q, %d) is %d characters", s, max, utf8.RuneCountInString(u))
		}
		for _, r := range u {
			if unicode.IsControl(r) || Invisible(r) {
				t.Fatalf("QuoteN(%q) kept %U", s, r)
			}
		}
		if c := Clip(s, max); utf8.ValidString(s) && !utf8.ValidString(c) {
			t.Fatalf("Clip(%q) cut inside a character: %q", s, c)
		}
		if c := ClipBytes(s, max); utf8.ValidString(s) && (!utf8.ValidString(c) || len(c) > max+len(Ellipsis)) {
			t.Fatalf("ClipBytes(%q) = %q", s, c)
		}
		for _, r := range Spell(s) {
			if unicode.IsControl(r) || Invisible(r) {
				t.Fatalf("Spell(%q) kept %U", s, r)
			}
		}
	})
}
