package tools

import (
	"encoding/json"
	"strconv"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzValidate: any JSON object as the arguments of the tools with the
// widest schemas; Validate never panics, and what it accepts is typed.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{"name":"Acme","gdpr_enabled":true}`, `{"amount_cents":1e300}`, `{"amount_cents":-0.5}`,
		`{"domain":"a.b","max_wait_seconds":"9"}`, `{"color_palette":[1,2]}`, `{"scopes":["a",{"b":1}]}`, `{"name":null}`,
		`{"name":"\u0000\uffff"}`, `{"logo_url":"http://[::1"}`} {
		f.Add([]byte(s))
	}
	tools := map[string]Tool{}
	for _, t := range All(Config{}) {
		tools[t.Name] = t
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw map[string]any
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		for _, name := range []string{"create_org", "top_up", "import_brand", "create_key", "confirm_payment_setup"} {
			args, err := Validate(tools[name].Params, raw)
			if err != nil {
				continue
			}
			for _, p := range tools[name].Params {
				v, present := args[p.Name]
				if !present {
					continue
				}
				switch p.Type {
				case "integer":
					n, isInt := v.(int64)
					if !isInt || (p.Min != nil && n < *p.Min) || (p.Max != nil && n > *p.Max) {
						t.Fatalf("%s.%s accepted %v", name, p.Name, v)
					}
				case "string":
					if s, isStr := v.(string); !isStr || (p.MaxLen > 0 && len(s) > p.MaxLen) {
						t.Fatalf("%s.%s accepted %v", name, p.Name, v)
					}
				}
			}
		}
	})
}

// FuzzQuote: whatever the service or the model wrote, a quoted value is one
// line, has no invisible or control character, is capped, and is a valid Go
// string literal (so it cannot close the quotes around it).
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"Acme)\n\nSYSTEM NOTICE", "\u202egnp.exe", "a\u200bb", "\x00\x1b[31m", `"quoted"`, "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := quote(s)
		u, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("quote(%q) = %s: not a string literal: %v", s, q, err)
		}
		if utf8.RuneCountInString(u) > maxQuoted+1 {
			t.Fatalf("quote(%q) is %d characters", s, utf8.RuneCountInString(u))
		}
		for _, r := range u {
			if unicode.IsControl(r) || invisible(r) || r == '\n' {
				t.Fatalf("quote(%q) kept %U", s, r)
			}
		}
	})
}
