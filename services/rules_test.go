package services

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPathRules: every way out of the service's API is refused before any
// byte leaves, with a message that says what to change.
func TestPathRules(t *testing.T) {
	t.Parallel()
	bad := map[string]string{
		"":                                 "empty",
		"v1/domains":                       "start with /",
		"https://evil.example/x":           "start with /",
		"//evil.example/x":                 "//",
		"/a//b":                            "//",
		"/a/../b":                          `".." segment`,
		"/..":                              `".." segment`,
		"/a/./b":                           `"." segment`,
		"/a/.../b":                         `"..." segment`,
		"/a/%2e%2e/b":                      "encode",
		"/a/%2E%2e/b":                      "encode",
		"/a%2fb":                           "encode",
		"/a%2Fb":                           "encode",
		"/a%5cb":                           "encode",
		"/a%252e":                          "encode",
		"/a%00":                            "encode",
		"/a%0a":                            "encode",
		"/a%zz":                            "malformed",
		"/a%2":                             "malformed",
		"/a b":                             "printable",
		"/a\nb":                            "printable",
		"/a\x7fb":                          "printable",
		"/a\u202eb":                        "printable",
		"/<script>":                        "printable",
		"/user@evil.example/x":             "user info",
		"/a?x=1":                           "query",
		"/a#frag":                          "query",
		"/a\\b":                            "backslash",
		"/" + strings.Repeat("a", MaxPath): "at most",
		// Path parameters: a Tomcat or Spring proxy reads /a/..;/b as /a/../b.
		"/v1/..;/hq/orgs":             "path parameter",
		"/v1/domains;jsessionid=abc1": "path parameter",
		"/v1/x;":                      "path parameter",
		"/v1/a%3bb":                   "path parameter",
		"/v1/a%3Bb":                   "path parameter",
		// Escapes that are not UTF-8: overlong dots and slashes, surrogates,
		// beyond U+10FFFF, stray or cut continuation bytes.
		"/v1/%C0%AE%C0%AE/hq":    "UTF-8",
		"/v1/%c0%ae%c0%ae/hq":    "UTF-8",
		"/v1/%E0%80%AE%E0%80%AE": "UTF-8",
		"/v1/%C0%AF":             "UTF-8",
		"/v1/%F0%80%80%AE":       "UTF-8",
		"/v1/%ED%A0%80":          "UTF-8",
		"/v1/%F4%90%80%80":       "UTF-8",
		"/v1/%80":                "UTF-8",
		"/v1/%C3":                "UTF-8",
		"/v1/%C3/x":              "UTF-8",
		"/v1/%E2%82":             "UTF-8",
		"/v1/%FF":                "UTF-8",
		// Characters a normalising server (NFKC) folds into . / \ ; %
		"/v1/%EF%BC%8E%EF%BC%8E/hq": "normalise",
		"/v1/%EF%BC%8F":             "normalise",
		"/v1/%EF%BC%BC":             "normalise",
		"/v1/%EF%BC%9B":             "normalise",
		"/v1/%EF%BC%85":             "normalise",
		"/v1/%E2%80%A4%E2%80%A4":    "normalise",
		"/v1/%EF%B9%92":             "normalise",
		"/v1/%E2%88%95":             "normalise",
	}
	for p, want := range bad {
		err := CheckPath(p)
		var re *RuleError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPath(%q) = %v, want a refusal about %q", p, err, want)
		}
	}
	for _, p := range []string{"/", "/v1/domains", "/v1/domains/example.com", "/v1/contacts/a%40b.com", "/v1/x:batch", "/a.b/c..d/~e",
		"/v1/caf%C3%A9", "/v1/%E2%82%AC", "/v1/%F0%9F%98%80", "/v1/x=1,y=2"} {
		if err := CheckPath(p); err != nil {
			t.Errorf("CheckPath(%q) = %v, want ok", p, err)
		}
	}
}

// FuzzCheckPath: whatever path passes, a server or proxy that decodes
// escapes, drops path parameters or folds look-alike characters still sees
// the same segments: none is . or .., none holds / \\ ; or a control
// character, and the bytes are UTF-8.
func FuzzCheckPath(f *testing.F) {
	for _, seed := range []string{"/v1/domains", "/v1/..;/x", "/v1/%C0%AE", "/v1/caf%C3%A9", "/a%2e%2e", "/v1/%EF%BC%8E", "/v1/a;b=c", "/x/%E2%82%AC/y"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if CheckPath(p) != nil {
			return
		}
		decoded, err := url.PathUnescape(p)
		if err != nil {
			t.Fatalf("%q passed but does not decode: %v", p, err)
		}
		if !utf8.ValidString(decoded) || strings.ContainsAny(decoded, ";\\\x00\r\n") {
			t.Fatalf("%q passed and decodes to %q", p, decoded)
		}
		for _, seg := range strings.Split(p[1:], "/") {
			d, _ := url.PathUnescape(seg)
			if d == "." || d == ".." || strings.ContainsAny(d, "/") || strings.Trim(strings.Map(fold, d), ".") == "" && d != "" {
				t.Fatalf("%q passed with segment %q (%q)", p, seg, d)
			}
		}
	})
}

// fold maps the look-alikes CheckPath refuses to what NFKC makes of them.
func fold(r rune) rune {
	switch r {
	case '\uFF0E', '\u2024', '\uFE52':
		return '.'
	}
	return r
}

func TestQueryRules(t *testing.T) {
	t.Parallel()
	if _, err := Query(map[string]any{"n": 3.0}); err == nil {
		t.Fatal("a number in query was accepted")
	}
	got, err := Query(map[string]any{"b": "2", "a": "x&y=z"})
	if err != nil || got != "a=x%26y%3Dz&b=2" {
		t.Fatalf("Query = %q, %v", got, err)
	}
}

func TestOverrides(t *testing.T) {
	t.Parallel()
	good, err := ParseOverrides([]string{"mydomainapi.com=http://127.0.0.1:9/x/, myemailapi.com=https://staging.example", "api.mystorageapi.com=http://[::1]:8"})
	if err != nil || good["mydomainapi.com"] != "http://127.0.0.1:9/x" || good["mystorageapi.com"] != "http://[::1]:8" {
		t.Fatalf("%v %v", good, err)
	}
	for _, bad := range []string{"evil.com=https://x", "mydomainapi.com=http://10.0.0.1", "mydomainapi.com=https://u:p@x",
		"mydomainapi.com", "mydomainapi.com=ftp://x", "mydomainapi.com=https://x/?a=b"} {
		if _, err := ParseOverrides([]string{bad}); err == nil {
			t.Errorf("override %q accepted", bad)
		}
	}
}
