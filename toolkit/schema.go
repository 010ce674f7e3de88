package toolkit

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Schema renders params as a JSON Schema object. It writes the bytes
// json.Marshal would write for the map of maps it describes (keys sorted,
// HTML escaped; TestSchemaIsMarshal keeps them equal) without building
// those maps and walking them by reflection: every start renders 36
// schemas before it can answer initialize (docs/benchmarks.md).
func Schema(params []Param) json.RawMessage {
	sorted := slices.Clone(params)
	slices.SortStableFunc(sorted, func(a, b Param) int { return strings.Compare(a.Name, b.Name) })
	b := make([]byte, 0, 64+96*len(params))
	b = append(b, `{"properties":{`...)
	for i, p := range sorted {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, p.Name)
		b = appendProperty(append(b, ':'), p)
	}
	b = append(b, '}')
	// Not "additionalProperties": false: Validate refuses unknown arguments
	// anyway, naming the ones the tool takes, and the flag cost 250 of the
	// tool list's tokens, which every prompt pays.
	first := true
	for _, p := range params {
		if !p.Required {
			continue
		}
		if first {
			b = append(b, `,"required":[`...)
			first = false
		} else {
			b = append(b, ',')
		}
		b = appendJSON(b, p.Name)
	}
	if !first {
		b = append(b, ']')
	}
	return append(b, `,"type":"object"}`...)
}

// appendProperty writes one parameter's schema, its keys in sorted order.
func appendProperty(b []byte, p Param) []byte {
	b = append(b, '{')
	if p.Default != nil {
		b = appendJSON(append(b, `"default":`...), p.Default)
		b = append(b, ',')
	}
	if p.Desc != "" {
		b = appendJSON(append(b, `"description":`...), p.Desc)
		b = append(b, ',')
	}
	if len(p.Enum) > 0 {
		b = appendJSON(append(b, `"enum":`...), p.Enum)
		b = append(b, ',')
	}
	if p.Format != "" {
		b = appendJSON(append(b, `"format":`...), p.Format)
		b = append(b, ',')
	}
	if p.Type == "array" {
		b = append(b, `"items":{"type":"string"},`...)
	}
	// The tool list is in every prompt: a bound the model would never
	// approach (long text, URLs, emails) or that a pattern already
	// states is checked, not shown.
	if p.MaxLen > 0 && p.MaxLen < 1000 && p.Type == "string" && p.Pattern == "" && p.Format == "" {
		b = strconv.AppendInt(append(b, `"maxLength":`...), int64(p.MaxLen), 10)
		b = append(b, ',')
	}
	if p.Max != nil {
		b = strconv.AppendInt(append(b, `"maximum":`...), *p.Max, 10)
		b = append(b, ',')
	}
	if p.Min != nil {
		b = strconv.AppendInt(append(b, `"minimum":`...), *p.Min, 10)
		b = append(b, ',')
	}
	if p.Pattern != "" {
		b = appendJSON(append(b, `"pattern":`...), p.Pattern)
		b = append(b, ',')
	}
	b = appendJSON(append(b, `"type":`...), p.Type)
	return append(b, '}')
}

// appendJSON appends v as json.Marshal writes it.
func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendJSONString(b, v)
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']')
	case bool:
		return strconv.AppendBool(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	}
	out, err := json.Marshal(v)
	if err != nil {
		panic(err) // built from literals: cannot fail
	}
	return append(b, out...)
}

// appendJSONString quotes s as encoding/json does: HTML characters, control
// characters, U+2028/U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// Object is an output schema: an object with the required members, open
// to more (the service may add fields). Written as json.Marshal would
// write it, without its reflection at every start.
func Object(required ...string) json.RawMessage {
	b := []byte(`{`)
	if len(required) > 0 {
		b = append(appendJSON(append(b, `"required":`...), required), ',')
	}
	return append(b, `"type":"object"}`...)
}
