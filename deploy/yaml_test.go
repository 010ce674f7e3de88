package deploy

// A decoder for the YAML the manifests use (block maps and sequences, flow
// maps and lists, plain and double-quoted scalars, comments): enough to
// check them offline without a YAML dependency or kubectl. It fails loudly
// on anything else, so a manifest cannot drift into what it cannot read.

import (
	"fmt"
	"strconv"
	"strings"
)

type line struct {
	indent int
	text   string
	no     int
}

// decodeAll splits on --- and decodes each document.
func decodeAll(src string) ([]any, error) {
	var docs []any
	var cur []line
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		v, rest, err := block(cur, cur[0].indent)
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("line %d: unexpected %q", rest[0].no, rest[0].text)
		}
		docs = append(docs, v)
		cur = nil
		return err
	}
	for i, raw := range strings.Split(src, "\n") {
		if strings.TrimSpace(raw) == "---" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		text := stripComment(raw)
		if strings.TrimSpace(text) == "" {
			continue
		}
		if strings.Contains(text, "\t") {
			return nil, fmt.Errorf("line %d: tab", i+1)
		}
		trimmed := strings.TrimLeft(text, " ")
		cur = append(cur, line{len(text) - len(trimmed), strings.TrimRight(trimmed, " "), i + 1})
	}
	return docs, flush()
}

func stripComment(s string) string {
	inQ := false
	for i, r := range s {
		switch {
		case r == '"' && (!inQ || !escaped(s, i)):
			inQ = !inQ
		case r == '#' && !inQ && (i == 0 || s[i-1] == ' '):
			return s[:i]
		}
	}
	return s
}

// escaped: the byte at i follows an odd number of backslashes.
func escaped(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// block decodes the lines at indent as one map or sequence.
func block(ls []line, indent int) (any, []line, error) {
	if strings.HasPrefix(ls[0].text, "- ") || ls[0].text == "-" {
		var seq []any
		for len(ls) > 0 && ls[0].indent == indent && strings.HasPrefix(ls[0].text, "- ") {
			item := strings.TrimPrefix(ls[0].text, "- ")
			if strings.HasPrefix(item, "{") || strings.HasPrefix(item, "[") || !strings.Contains(item, ": ") && !strings.HasSuffix(item, ":") {
				v, err := scalar(item)
				if err != nil {
					return nil, nil, fmt.Errorf("line %d: %v", ls[0].no, err)
				}
				seq = append(seq, v)
				ls = ls[1:]
				continue
			}
			// "- key: v" opens a map at indent+2.
			ls = append([]line{{indent + 2, item, ls[0].no}}, ls[1:]...)
			v, rest, err := block(ls, indent+2)
			if err != nil {
				return nil, nil, err
			}
			seq, ls = append(seq, v), rest
		}
		return seq, ls, nil
	}
	m := map[string]any{}
	for len(ls) > 0 && ls[0].indent == indent && !strings.HasPrefix(ls[0].text, "- ") {
		l := ls[0]
		k, v, ok := strings.Cut(l.text, ":")
		if !ok || (v != "" && v[0] != ' ') {
			return nil, nil, fmt.Errorf("line %d: not key: value: %q", l.no, l.text)
		}
		if _, dup := m[k]; dup {
			return nil, nil, fmt.Errorf("line %d: duplicate key %q", l.no, k)
		}
		ls = ls[1:]
		if v = strings.TrimSpace(v); v != "" {
			sv, err := scalar(v)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", l.no, err)
			}
			m[k] = sv
			continue
		}
		if len(ls) == 0 || ls[0].indent < indent || (ls[0].indent == indent && !strings.HasPrefix(ls[0].text, "- ")) {
			m[k] = nil
			continue
		}
		sub, rest, err := block(ls, ls[0].indent)
		if err != nil {
			return nil, nil, err
		}
		m[k], ls = sub, rest
	}
	if len(ls) > 0 && ls[0].indent > indent {
		return nil, nil, fmt.Errorf("line %d: bad indentation", ls[0].no)
	}
	return m, ls, nil
}

// scalar decodes a plain, quoted or flow value.
func scalar(s string) (any, error) {
	v, rest, err := flow(strings.TrimSpace(s))
	if err == nil && strings.TrimSpace(rest) != "" {
		err = fmt.Errorf("trailing %q", rest)
	}
	return v, err
}

func flow(s string) (any, string, error) {
	s = strings.TrimLeft(s, " ")
	switch {
	case strings.HasPrefix(s, "{"):
		m := map[string]any{}
		s = strings.TrimLeft(s[1:], " ")
		for !strings.HasPrefix(s, "}") {
			k, rest, ok := strings.Cut(s, ":")
			if !ok {
				return nil, "", fmt.Errorf("flow map: %q", s)
			}
			v, rest, err := flow(rest)
			if err != nil {
				return nil, "", err
			}
			m[strings.TrimSpace(k)] = v
			s = strings.TrimLeft(rest, " ")
			s = strings.TrimLeft(strings.TrimPrefix(s, ","), " ")
			if s == "" {
				return nil, "", fmt.Errorf("unclosed {")
			}
		}
		return m, s[1:], nil
	case strings.HasPrefix(s, "["):
		var seq []any
		s = strings.TrimLeft(s[1:], " ")
		for !strings.HasPrefix(s, "]") {
			v, rest, err := flow(s)
			if err != nil {
				return nil, "", err
			}
			seq = append(seq, v)
			s = strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(rest, " "), ","), " ")
			if s == "" {
				return nil, "", fmt.Errorf("unclosed [")
			}
		}
		return seq, s[1:], nil
	case strings.HasPrefix(s, `"`):
		end := 1
		for end < len(s) && (s[end] != '"' || escaped(s, end)) {
			end++
		}
		if end == len(s) {
			return nil, "", fmt.Errorf("unclosed quote")
		}
		v, err := strconv.Unquote(s[:end+1])
		return v, s[end+1:], err
	}
	end := strings.IndexAny(s, ",}]")
	if end < 0 {
		end = len(s)
	}
	word := strings.TrimSpace(s[:end])
	switch word {
	case "true":
		return true, s[end:], nil
	case "false":
		return false, s[end:], nil
	case "null", "~":
		return nil, s[end:], nil
	}
	if n, err := strconv.ParseInt(word, 10, 64); err == nil {
		return n, s[end:], nil
	}
	return word, s[end:], nil
}
