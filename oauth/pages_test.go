package oauth

import (
	"strings"
	"testing"

	"github.com/myapihq/myapihq-mcp/internal/markup"
)

// TestPagesWriteEveryValue: each page, with every field set, shows each
// value once escaped, and no format verb lacks its argument.
func TestPagesWriteEveryValue(t *testing.T) {
	t.Parallel()
	p := page{Title: "T<1>", Client: "C<2>", ClientURL: "U<3>", Registered: true, Host: "H<4>", Flow: "F<5>", CSRF: "X<6>",
		Error: "E<7>", Email: "M<8>", Agents: []Account{{ID: "acct_a", Label: "L<9>"}, {ID: "acct_b"}},
		Account: Account{ID: "acct_c", Label: "L<10>"}, KeyOnly: true,
		Scopes: []scopeChoice{{Name: "read", Text: "S<11>", Checked: true}}, Message: "G<12>"}
	shows := map[string][]string{
		"signin":  {"T&lt;1&gt;", "C&lt;2&gt;", "U&lt;3&gt;", "H&lt;4&gt;", `value="F&lt;5&gt;"`, `value="X&lt;6&gt;"`, "E&lt;7&gt;", `value="M&lt;8&gt;"`},
		"choose":  {"C&lt;2&gt;", `value="acct_a" checked`, "L&lt;9&gt;", `value="acct_b"`},
		"consent": {"C&lt;2&gt;", "L&lt;10&gt;", "acct_c", `value="read" checked`, "S&lt;11&gt;", "No PIN was given"},
		"error":   {"G&lt;12&gt;"},
	}
	for name, write := range pages {
		var b markup.Builder
		write(&b, p)
		out := b.String()
		if strings.Contains(out, "%!") || strings.Contains(out, "<1>") {
			t.Errorf("%s: a value is unescaped or a verb lacks its argument:\n%s", name, out)
		}
		for _, want := range shows[name] {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		if !strings.HasPrefix(out, "<!doctype html>") || !strings.HasSuffix(out, "</main></body></html>") {
			t.Errorf("%s is not a whole page", name)
		}
	}
}
