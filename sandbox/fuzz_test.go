package sandbox

import "testing"

// FuzzOrgInput: no request body crashes the organization field checks, and
// what they accept has the declared types.
func FuzzOrgInput(f *testing.F) {
	for _, s := range []string{`{"name":"A"}`, `{"name":null}`, `{"gdpr_enabled":"true"}`, `[1]`, `{"logo_url":"javascript:x"}`,
		`{"color_palette":{"a":[{}]}}`, `{"default_language":"en-"}`, `{"name":"` + "\xff" + `"}`, `{`} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, partial bool) {
		fields, err := orgInput(body, partial)
		if err != nil {
			return
		}
		for k, v := range fields {
			rule := orgFields[k]
			switch v.(type) {
			case nil:
				if !partial || k == "name" {
					t.Fatalf("%s cleared on create", k)
				}
			case bool:
				if rule.kind != "bool" {
					t.Fatalf("%s is a bool", k)
				}
			case map[string]any:
				if rule.kind != "object" {
					t.Fatalf("%s is an object", k)
				}
			case string:
				if rule.kind == "bool" || rule.kind == "object" {
					t.Fatalf("%s is a string", k)
				}
			default:
				t.Fatalf("%s has type %T", k, v)
			}
		}
	})
}
