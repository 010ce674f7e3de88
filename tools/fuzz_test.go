package tools

import (
	"encoding/json"
	"testing"

	"github.com/myapihq/myapihq-mcp/toolkit"
)

// FuzzValidate: any JSON object as the arguments of the tools with the
// widest schemas; Validate never panics, and what it accepts is typed.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{`{"name":"Acme","gdpr_enabled":true}`, `{"amount_cents":1e300}`, `{"amount_cents":-0.5}`,
		`{"domain":"a.b","max_wait_seconds":"9"}`, `{"color_palette":[1,2]}`, `{"scopes":["a",{"b":1}]}`, `{"name":null}`,
		`{"name":"\u0000\uffff"}`, `{"logo_url":"http://[::1"}`} {
		f.Add([]byte(s))
	}
	tools := map[string]toolkit.Tool{}
	for _, t := range Catalog(Config{}) {
		tools[t.Name] = t
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var raw map[string]any
		if json.Unmarshal(data, &raw) != nil {
			return
		}
		for _, name := range []string{"create_org", "top_up", "import_brand", "create_key", "confirm_payment_setup"} {
			args, err := toolkit.Validate(tools[name].Params, raw)
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
