package services

import (
	"errors"
	"strings"
	"testing"
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
	}
	for p, want := range bad {
		err := CheckPath(p)
		var re *RuleError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckPath(%q) = %v, want a refusal about %q", p, err, want)
		}
	}
	for _, p := range []string{"/", "/v1/domains", "/v1/domains/example.com", "/v1/contacts/a%40b.com", "/v1/x:batch", "/a.b/c..d/~e"} {
		if err := CheckPath(p); err != nil {
			t.Errorf("CheckPath(%q) = %v, want ok", p, err)
		}
	}
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
