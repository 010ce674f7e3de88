package toolkit_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/myapihq/myapihq-mcp/toolkit"
	"github.com/myapihq/myapihq-mcp/tools"
)

// marshalSchema is how Schema was written before it wrote bytes itself: a
// map of maps through json.Marshal. Schema must give the same bytes.
func marshalSchema(params []toolkit.Param) json.RawMessage {
	props := map[string]any{}
	var required []string
	for _, p := range params {
		s := map[string]any{"type": p.Type}
		if p.Desc != "" {
			s["description"] = p.Desc
		}
		if len(p.Enum) > 0 {
			s["enum"] = p.Enum
		}
		if p.Min != nil {
			s["minimum"] = *p.Min
		}
		if p.Max != nil {
			s["maximum"] = *p.Max
		}
		if p.MaxLen > 0 && p.MaxLen < 1000 && p.Type == "string" && p.Pattern == "" && p.Format == "" {
			s["maxLength"] = p.MaxLen
		}
		if p.Format != "" {
			s["format"] = p.Format
		}
		if p.Pattern != "" {
			s["pattern"] = p.Pattern
		}
		if p.Default != nil {
			s["default"] = p.Default
		}
		if p.Type == "array" {
			s["items"] = map[string]any{"type": "string"}
		}
		props[p.Name] = s
		if p.Required {
			required = append(required, p.Name)
		}
	}
	schema := map[string]any{"type": "object", "properties": props}
	if required != nil {
		schema["required"] = required
	}
	b, err := json.Marshal(schema)
	if err != nil {
		panic(err)
	}
	return b
}

func TestSchemaIsMarshal(t *testing.T) {
	t.Parallel()
	cases := map[string][]toolkit.Param{
		"none": nil,
		// Hostile text where a schema could carry it: escaped as json.Marshal escapes it.
		"hostile": {
			{Name: "z<script>", Type: "string", Desc: "a \"quote\", a newline\n\r\t\b\f\\, <script>&, \u202e bidi, \x01\x1f\x7f control, \xff\xfe bad UTF-8, é ✓ 🙂", Required: true,
				Enum: []string{"a</b>", "\u2028"}, Pattern: `^[a-z]\d+$`, MaxLen: 10},
			{Name: "a", Type: "integer", Min: toolkit.I64(-3), Max: toolkit.I64(1 << 40), Default: int64(7)},
			{Name: "m", Type: "array", MaxLen: 5, Required: true},
			{Name: "b", Type: "boolean", Default: false},
			{Name: "u", Type: "string", Format: "uri", MaxLen: 2048},
		},
	}
	for _, tool := range tools.Catalog(tools.Config{}) {
		cases[tool.Name] = tool.Params
	}
	for name, params := range cases {
		if got, want := toolkit.Schema(params), marshalSchema(params); !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}

func BenchmarkSchema(b *testing.B) {
	all := tools.Catalog(tools.Config{})
	b.ReportAllocs()
	for b.Loop() {
		for _, tool := range all {
			toolkit.Schema(tool.Params)
		}
	}
}

func BenchmarkSchemaMarshal(b *testing.B) {
	all := tools.Catalog(tools.Config{})
	b.ReportAllocs()
	for b.Loop() {
		for _, tool := range all {
			marshalSchema(tool.Params)
		}
	}
}
