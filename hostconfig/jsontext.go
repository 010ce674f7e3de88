package hostconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// A host's file is edited as text: the member setup adds or replaces is
// spliced in, and every other byte stays as the user wrote it (order,
// spacing, number formats), so that a diff of the file shows one entry.

// object is a JSON object as found in a file: its members in order, each
// with the exact bytes of its value and where they are.
type object struct {
	start, end int // the '{' and one past the '}'
	members    []member
}

type member struct {
	key        string
	value      json.RawMessage
	start, end int // the value's bytes in the file
}

func (o *object) find(key string) (member, bool) {
	for _, m := range o.members {
		if m.key == key {
			return m, true
		}
	}
	return member{}, false
}

// parseObject reads the object at data[off:] (off is where its '{' is or
// whitespace before it). A key given twice is refused: which one a host
// reads is not something setup should guess.
func parseObject(data []byte, off int) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(data[off:]))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxErr(data, off, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("it is not a JSON object")
	}
	o := &object{start: off + int(dec.InputOffset()) - 1}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxErr(data, off, dec, err)
		}
		key := tok.(string) // inside an object, the decoder yields keys as strings
		if seen[key] {
			return nil, fmt.Errorf("the key %s appears twice", textsafe.Quote(key))
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, syntaxErr(data, off, dec, err)
		}
		end := off + int(dec.InputOffset())
		o.members = append(o.members, member{key: key, value: raw, start: end - len(raw), end: end})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, syntaxErr(data, off, dec, err)
	}
	o.end = off + int(dec.InputOffset())
	return o, nil
}

// parseTop reads a whole file's top-level object; only whitespace may
// follow it.
func parseTop(data []byte) (*object, error) {
	o, err := parseObject(data, 0)
	if err != nil {
		return nil, err
	}
	if rest := bytes.TrimSpace(data[o.end:]); len(rest) > 0 {
		line, col := position(data, o.end+bytes.Index(data[o.end:], rest[:1]))
		return nil, fmt.Errorf("line %d, column %d: more text after the JSON object", line, col)
	}
	return o, nil
}

func syntaxErr(data []byte, off int, dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the JSON ends too early")
	}
	line, col := position(data, off+int(dec.InputOffset()))
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col = position(data, off+int(se.Offset))
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return fmt.Errorf("line %d, column %d: %s", line, col, msg)
}

func position(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = off - (bytes.LastIndexByte(before, '\n') + 1)
	if col == 0 {
		col = 1
	}
	return line, col
}

// style is how a file is laid out, so that what setup adds looks like the
// rest: its indent unit and line ending.
type style struct {
	indent, newline string
}

func styleOf(data []byte, top *object) style {
	s := style{indent: "  ", newline: "\n"}
	if bytes.Contains(data, []byte("\r\n")) {
		s.newline = "\r\n"
	}
	// The indent of the first member: the whitespace between the last
	// newline before it and its key.
	if top != nil && len(top.members) > 0 {
		head := data[top.start:top.members[0].start]
		if nl := bytes.LastIndexByte(head, '\n'); nl >= 0 {
			line := head[nl+1:]
			ws := line[:len(line)-len(bytes.TrimLeft(line, " \t"))]
			if len(ws) > 0 {
				s.indent = string(ws)
			}
		}
	}
	return s
}

// value is something setup writes: a string, a list of strings, or an
// object of such in a fixed order.
type value interface{}

type field struct {
	key string
	val value
}

// render writes v as JSON laid out in style s, as if it sat at depth
// (the depth of the line it starts on).
func (s style) render(v value, depth int) string {
	var b strings.Builder
	s.write(&b, v, depth)
	return b.String()
}

func (s style) write(b *strings.Builder, v value, depth int) {
	switch x := v.(type) {
	case []field:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{")
		for i, f := range x {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(s.newline + strings.Repeat(s.indent, depth+1))
			b.WriteString(quote(f.key) + ": ")
			s.write(b, f.val, depth+1)
		}
		b.WriteString(s.newline + strings.Repeat(s.indent, depth) + "}")
	case json.RawMessage:
		b.Write(x)
	default:
		// Strings and lists of strings: one line, as people write args.
		b.WriteString(compact(x))
	}
}

// quote encodes a string without HTML escaping: a path with & or < is
// written as is.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// compact writes a string or a list of strings on one line.
func compact(v value) string {
	switch x := v.(type) {
	case string:
		return quote(x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = quote(s)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	panic(fmt.Sprintf("hostconfig: cannot write %T", v))
}

// splice returns data with data[start:end] replaced by text.
func splice(data []byte, start, end int, text string) []byte {
	out := make([]byte, 0, len(data)+len(text))
	out = append(out, data[:start]...)
	out = append(out, text...)
	return append(out, data[end:]...)
}

// setMember returns data with obj's member key set to v (obj at depth):
// a member that exists has its value replaced in place; a new one goes
// after the last member, or fills an empty object.
func setMember(data []byte, obj *object, depth int, key string, v value, s style) []byte {
	if m, ok := obj.find(key); ok {
		return splice(data, m.start, m.end, s.render(v, depth+1))
	}
	if len(obj.members) == 0 {
		return splice(data, obj.start, obj.end, s.render([]field{{key, v}}, depth))
	}
	last := obj.members[len(obj.members)-1]
	text := "," + s.newline + strings.Repeat(s.indent, depth+1) + quote(key) + ": " + s.render(v, depth+1)
	return splice(data, last.end, last.end, text)
}

// jsoncHint tells whether bad JSON is JSON with comments or trailing
// commas (VS Code's mcp.json allows both): setup does not rewrite such a
// file, since it would lose them, and says so instead of "malformed".
func jsoncHint(data []byte) bool {
	var out []byte
	inStr, esc := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inStr:
			out = append(out, c)
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			end := bytes.Index(data[i+2:], []byte("*/"))
			if end < 0 {
				return false
			}
			i += end + 3
			out = append(out, ' ')
		case c == ']' || c == '}':
			// Drop a comma that only whitespace separates from the closer.
			trimmed := bytes.TrimRight(out, " \t\r\n")
			if len(trimmed) > 0 && trimmed[len(trimmed)-1] == ',' {
				out = append(trimmed[:len(trimmed)-1], out[len(trimmed):]...)
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return json.Valid(out)
}
