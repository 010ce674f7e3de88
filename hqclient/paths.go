package hqclient

import (
	"context"
	"net/url"
	"strings"
	"unicode"
)

// CodeBadPathSegment is the code of an id the client refuses to put in a
// path (docs/api.md, "Path ids").
const CodeBadPathSegment = "invalid_path_segment"

// checkSegment says why s cannot be one path segment, or "" if it can. An id
// that is empty, a dot segment, or carries a separator, an escape or a
// control character could make the request reach another endpoint (after a
// front end's normalisation or a redirect), so it is refused before any I/O,
// whatever escaping would make of it.
func checkSegment(s string) string {
	switch s {
	case "":
		return "is empty"
	case ".", "..":
		return "is a dot segment"
	}
	if strings.ContainsAny(s, `/\?#%`) {
		return `contains one of / \ ? # %`
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return "contains a control character"
		}
	}
	return ""
}

// p joins a path template's fixed parts (even positions) with ids (odd
// positions), refusing an id that could leave its endpoint. The error names
// the endpoint and the rule, never the rejected value: it may be hostile text.
func p(method string, segments ...string) (string, error) {
	var out, tmpl strings.Builder
	for i, s := range segments {
		if i%2 == 0 {
			out.WriteString(s)
			tmpl.WriteString(s)
			continue
		}
		tmpl.WriteString("{id}")
		if why := checkSegment(s); why != "" {
			return "", &Error{Code: CodeBadPathSegment, Method: method, Path: tmpl.String(),
				Message: "an id " + why + ": ids are letters, digits, '-' and '_'"}
		}
		out.WriteString(url.PathEscape(s))
	}
	return out.String(), nil
}

// callAt is call for a path with ids in it.
func callAt[T any](ctx context.Context, c *Client, method string, auth authKind, body any, segments ...string) (*Response[T], error) {
	path, err := p(method, segments...)
	if err != nil {
		return nil, err
	}
	return call[T](ctx, c, request{method, path, auth, body})
}
