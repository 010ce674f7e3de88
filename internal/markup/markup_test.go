package markup

import (
	"strings"
	"testing"
)

func TestF(t *testing.T) {
	t.Parallel()
	var w Builder
	w.F(`<a href="%s" title="%s">%s</a><br> %d`, URL("javascript:alert(1)"), `"><script>`, "<b>&</b>", 7)
	w.If(false, "never %s", "x")
	w.If(true, " %s", "'")
	want := `<a href="#" title="&#34;&gt;&lt;script&gt;">&lt;b&gt;&amp;&lt;/b&gt;</a><br> 7 &#39;`
	if got := w.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestFRefusesOtherTypes(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("a []byte argument was written")
		}
	}()
	var w Builder
	w.F("%s", []byte("<x>"))
}

func TestLink(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"/_sandbox/verify?t=1":     "/_sandbox/verify?t=1",
		"#acct_1":                  "#acct_1",
		"https://example.com/x":    "https://example.com/x",
		"http://127.0.0.1:8080/":   "http://127.0.0.1:8080/",
		"//evil.example/":          "#",
		`/\evil.example`:           "#",
		"/\t/evil.example":         "#",
		"/\n/evil.example":         "#",
		"javascript:alert(1)":      "#",
		"JavaScript:alert(1)":      "#",
		" javascript:alert(1)":     "#",
		"data:text/html,<script>":  "#",
		"https:evil.example":       "#",
		"vbscript:msgbox":          "#",
		"relative/path":            "#",
		"":                         "#",
		"http://exa mple.com/":     "#",
		"https://example.com/\x7f": "#",
	} {
		if got := Link(in); got != want {
			t.Errorf("Link(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEscape: nothing that opens or closes a tag, an attribute or an
// entity of its own survives, and nothing else is changed.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", `"><script>alert(1)</script>`, "a\x00b", "&amp;", "'single'", "ü\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Escape(s)
		if strings.ContainsAny(out, "<>\"'\x00") {
			t.Fatalf("Escape(%q) = %q", s, out)
		}
		back := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(out)
		if want := strings.ReplaceAll(s, "\x00", "\uFFFD"); back != want {
			t.Fatalf("Escape(%q) = %q does not read back", s, out)
		}
	})
}

// FuzzLink: a kept link is a same-site path, a fragment or an http(s) URL,
// with nothing a browser would strip or read as another host.
func FuzzLink(f *testing.F) {
	for _, s := range []string{"/a", "//b", "#c", "https://d", "javascript:e", "/\t/f", "http:/g"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Link(s)
		if out == "#" {
			return
		}
		if out != s {
			t.Fatalf("Link(%q) = %q: changed", s, out)
		}
		lower := strings.ToLower(out)
		ok := strings.HasPrefix(out, "#") || (strings.HasPrefix(out, "/") && !strings.HasPrefix(out, "//") && !strings.HasPrefix(out, `/\`)) ||
			strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")
		if !ok || strings.IndexFunc(out, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
			t.Fatalf("Link(%q) kept", s)
		}
	})
}
