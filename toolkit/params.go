package toolkit

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// Param is one tool argument. The same value generates the JSON Schema the
// model sees and checks what the model sends, so the two cannot drift; and
// its messages say what is wrong in words (mcp-go's validator reports Go
// struct dumps and lets unknown keys through).
type Param struct {
	Name     string
	Type     string // string | integer | boolean | object | array (of strings)
	Desc     string
	Required bool
	Enum     []string
	Min, Max *int64 // integers
	MaxLen   int    // strings, array items
	Format   string // uri | email | hostname
	Pattern  string
	Default  any
}

// I64 is a bound for Param.Min and Param.Max.
func I64(v int64) *int64 { return &v }

// IDPattern is every id a tool puts in a request path (org, webhook, key,
// job, agent): nothing that could leave its path segment ("..", "/", "%").
// \w is [A-Za-z0-9_] in Go's RE2 and in JSON Schema's ECMA-262 alike; the
// short spelling saves the model 8 bytes of every id parameter.
const IDPattern = `^[\w-]{1,100}$`

// IDParam is a required id argument.
func IDParam(name, desc string) Param {
	return Param{Name: name, Type: "string", Required: true, MaxLen: 100, Pattern: IDPattern, Desc: desc}
}

// Args are arguments that passed validation; getters return zero values for
// absent optional ones.
type Args map[string]any

func (a Args) Has(k string) bool   { _, ok := a[k]; return ok }
func (a Args) Str(k string) string { s, _ := a[k].(string); return s }
func (a Args) Int(k string) int64  { n, _ := a[k].(int64); return n }
func (a Args) Bool(k string) bool  { b, _ := a[k].(bool); return b }
func (a Args) Obj(k string) map[string]any {
	m, _ := a[k].(map[string]any)
	return m
}
func (a Args) Strs(k string) []string { s, _ := a[k].([]string); return s }

const hostnamePattern = `^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}\.?$`

// Validate checks raw arguments against params and returns them typed.
// Defaults are applied; nothing unknown is accepted.
func Validate(params []Param, raw map[string]any) (Args, error) {
	known := map[string]Param{}
	for _, p := range params {
		known[p.Name] = p
	}
	out := Args{}
	var unknown []string
	for k := range raw {
		if _, ok := known[k]; !ok {
			unknown = append(unknown, textsafe.Quote(k)) // the model's words: quoted
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		names := make([]string, 0, len(params))
		for _, p := range params {
			names = append(names, p.Name)
		}
		takes := "no arguments"
		if len(names) > 0 {
			takes = "only " + strings.Join(names, ", ")
		}
		return nil, fmt.Errorf("unknown argument %s: this tool takes %s", strings.Join(unknown, ", "), takes)
	}
	for _, p := range params {
		v, ok := raw[p.Name]
		if !ok || v == nil {
			if p.Required {
				return nil, fmt.Errorf("%s is required", p.Name)
			}
			if p.Default != nil {
				out[p.Name] = p.Default
			}
			continue
		}
		val, err := check(p, v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		out[p.Name] = val
	}
	return out, nil
}

func check(p Param, v any) (any, error) {
	switch p.Type {
	case "boolean":
		b, ok := v.(bool)
		if !ok {
			return nil, fmt.Errorf("must be true or false")
		}
		return b, nil
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("must be an object")
		}
		return m, nil
	case "array":
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("must be an array of strings")
		}
		out := make([]string, 0, len(list))
		for _, it := range list {
			s, ok := it.(string)
			if !ok || (p.MaxLen > 0 && len(s) > p.MaxLen) {
				return nil, fmt.Errorf("must be an array of strings of at most %d characters", p.MaxLen)
			}
			out = append(out, s)
		}
		return out, nil
	case "integer":
		var n int64
		switch x := v.(type) {
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, fmt.Errorf("must be a whole number")
			}
			n = int64(x)
		case int64:
			n = x
		case int:
			n = int64(x)
		case json.Number:
			i, err := x.Int64()
			if err != nil {
				return nil, fmt.Errorf("must be a whole number")
			}
			n = i
		default:
			return nil, fmt.Errorf("must be a whole number")
		}
		if (p.Min != nil && n < *p.Min) || (p.Max != nil && n > *p.Max) {
			return nil, fmt.Errorf("must be between %d and %d", deref(p.Min, math.MinInt64), deref(p.Max, math.MaxInt64))
		}
		return n, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("must be a string")
	}
	s = strings.TrimSpace(s)
	switch {
	case p.MaxLen > 0 && len(s) > p.MaxLen:
		return nil, fmt.Errorf("must be at most %d characters", p.MaxLen)
	case p.Required && s == "":
		return nil, fmt.Errorf("must not be empty")
	case len(p.Enum) > 0 && !slices.Contains(p.Enum, s):
		return nil, fmt.Errorf("must be one of %s", strings.Join(p.Enum, ", "))
	case p.Format == "uri" && !httpURL(s):
		return nil, fmt.Errorf("must be an http(s) URL")
	case p.Format == "email" && !validEmail(s):
		return nil, fmt.Errorf("must be an email address such as ada@example.com")
	case p.Format == "hostname" && !compiled(hostnamePattern).MatchString(s):
		return nil, fmt.Errorf("must be a bare domain such as example.com (no https://, path or port)")
	case p.Pattern == IDPattern && !compiled(p.Pattern).MatchString(s):
		// The value is not echoed: it may be an injected instruction.
		return nil, fmt.Errorf("is not a valid id: ids have only letters, digits, _ and - (at most 100); the list_* tools show the valid ones")
	case p.Pattern != "" && !compiled(p.Pattern).MatchString(s):
		return nil, fmt.Errorf("must match %s", p.Pattern)
	}
	return s, nil
}

// ValidID says whether s is an id IDParam accepts (a resource template's
// variable is checked by the same rule).
func ValidID(s string) bool { return compiled(IDPattern).MatchString(s) }

// ValidDomain says whether s is a bare domain such as example.com, in
// lower case, as prompts and completions offer them (no scheme, path, port
// or trailing dot).
func ValidDomain(s string) bool {
	return s == strings.ToLower(s) && !strings.HasSuffix(s, ".") && compiled(hostnamePattern).MatchString(s)
}

var patterns sync.Map // pattern -> *regexp.Regexp, compiled once

func compiled(pattern string) *regexp.Regexp {
	if re, ok := patterns.Load(pattern); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(pattern) // patterns are literals in the inventory
	patterns.Store(pattern, re)
	return re
}

func deref(p *int64, d int64) int64 {
	if p == nil {
		return d
	}
	return *p
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
