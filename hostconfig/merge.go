package hostconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/textsafe"
)

// Change is what setup does (or would do) to a host's file.
type Change int

const (
	Unchanged Change = iota // the entry is already there, as setup would write it
	Added                   // a new entry (and the file, if there was none)
	Updated                 // --force replaced a different entry of that name
)

func (c Change) String() string {
	return [...]string{"unchanged", "added", "updated"}[c]
}

// FileError is a file setup refuses to touch, and what the user can do.
type FileError struct {
	Path, Problem, Hint string
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%s %s; nothing was changed. %s", e.Path, e.Problem, e.Hint)
}

// ConflictError is a server of the same name that runs something else:
// replacing it takes --force (or another --name).
type ConflictError struct {
	Path, Name, Have, Want string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s already has a server named %q that runs something else:\n  now:   %s\n  setup: %s\n"+
		"Run setup again with --force to replace it (the file is backed up first; its other settings are kept), "+
		"or with --name to add this one beside it.", e.Path, e.Name, e.Have, e.Want)
}

// Server is what to run: the binary's absolute path and its flags.
type Server struct {
	Command string
	Args    []string
}

// identity is the entry's members that say what runs; setup compares and
// replaces these only, and leaves the rest of an entry (env, disabled, …)
// to the user.
func (h Host) identity(s Server) []field {
	var f []field
	if h.Type != "" {
		f = append(f, field{"type", h.Type})
	}
	args := s.Args
	if args == nil {
		args = []string{}
	}
	return append(f, field{"command", s.Command}, field{"args", args})
}

// entry is a new entry: its identity, and an empty env where the host's
// own tool writes one.
func (h Host) entry(s Server) []field {
	f := h.identity(s)
	if h.EmptyEnv {
		f = append(f, field{"env", []field{}})
	}
	return f
}

var bom = []byte("\xef\xbb\xbf")

// plan returns the file with the server name → s merged in, and what
// changed. old is the file's content (nil when there is none).
func (h Host) plan(path string, old []byte, name string, s Server, force bool) ([]byte, Change, error) {
	body := bytes.TrimPrefix(old, bom)
	lead := old[:len(old)-len(body)]
	if len(bytes.TrimSpace(body)) == 0 {
		st := style{indent: "  ", newline: "\n"}
		top := []field{{h.Key, []field{{name, h.entry(s)}}}}
		return append(append([]byte{}, lead...), st.render(top, 0)+st.newline...), Added, nil
	}
	top, err := parseTop(body)
	if err != nil {
		return nil, 0, h.unreadable(path, body, err, name, s)
	}
	st := styleOf(body, top)
	srv, ok := top.find(h.Key)
	if !ok || string(srv.value) == "null" {
		out := setMember(body, top, 0, h.Key, []field{{name, h.entry(s)}}, st)
		return h.checked(lead, out, Added)
	}
	if srv.value[0] != '{' {
		return nil, 0, &FileError{Path: path, Problem: fmt.Sprintf("has %q that is not a JSON object", h.Key),
			Hint: "Fix it by hand (it should map server names to servers), then run setup again."}
	}
	servers, err := parseObject(body, srv.start)
	if err != nil {
		return nil, 0, h.unreadable(path, body, fmt.Errorf("in %q: %w", h.Key, err), name, s)
	}
	have, ok := servers.find(name)
	if !ok {
		return h.checked(lead, setMember(body, servers, 1, name, h.entry(s), st), Added)
	}
	if h.same(have.value, s) {
		return old, Unchanged, nil
	}
	if !force {
		return nil, 0, &ConflictError{Path: path, Name: name, Have: describe(have.value), Want: describeServer(s)}
	}
	merged, err := h.merged(have.value, s)
	if err != nil {
		return nil, 0, err
	}
	return h.checked(lead, setMember(body, servers, 1, name, merged, st), Updated)
}

// checked refuses to hand back a file that is not valid JSON: whatever a
// splice did, a host must never be given a file it cannot read.
func (h Host) checked(lead, out []byte, c Change) ([]byte, Change, error) {
	if !json.Valid(out) {
		return nil, 0, fmt.Errorf("hostconfig: internal error: the merged %s file is not valid JSON", h.Title)
	}
	return append(append([]byte{}, lead...), out...), c, nil
}

func (h Host) unreadable(path string, body []byte, err error, name string, s Server) error {
	st := style{indent: "  ", newline: "\n"}
	snippet := st.render([]field{{h.Key, []field{{name, h.entry(s)}}}}, 0)
	switch {
	case json.Valid(body): // JSON, but not in a shape setup can merge into
		return &FileError{Path: path, Problem: "cannot be merged into: " + err.Error(),
			Hint: "Fix it by hand, then run setup again. The entry setup would add is:\n" + snippet}
	case jsoncHint(body):
		return &FileError{Path: path, Problem: "has comments or trailing commas, which setup would lose if it rewrote the file",
			Hint: "Add this to it by hand instead:\n" + snippet}
	}
	return &FileError{Path: path, Problem: "is not valid JSON (" + err.Error() + ")",
		Hint: "Fix it (or move it away), then run setup again. The entry setup would add is:\n" + snippet}
}

// same reports whether an entry already runs s as setup would write it.
func (h Host) same(raw json.RawMessage, s Server) bool {
	var have map[string]any
	if json.Unmarshal(raw, &have) != nil || have == nil {
		return false
	}
	for _, f := range h.identity(s) {
		var want any
		b, _ := json.Marshal(f.val)
		_ = json.Unmarshal(b, &want)
		if !reflect.DeepEqual(have[f.key], want) {
			return false
		}
	}
	return true
}

// merged is an existing entry with setup's members replaced and every
// other member kept as it was, in its place.
func (h Host) merged(raw json.RawMessage, s Server) ([]field, error) {
	id := h.identity(s)
	if raw[0] != '{' {
		return h.entry(s), nil // not an object: nothing of it to keep
	}
	o, err := parseObject(raw, 0)
	if err != nil {
		return nil, err
	}
	var out []field
	done := map[string]bool{}
	for _, m := range o.members {
		var v value = m.value
		for _, f := range id {
			if f.key == m.key {
				v, done[f.key] = f.val, true
			}
		}
		out = append(out, field{m.key, v})
	}
	for _, f := range id {
		if !done[f.key] {
			out = append(out, f)
		}
	}
	return out, nil
}

// describe shows an entry of the user's file, which another program may
// have written: every hidden character is spelled out, so "now" and
// "setup" cannot look alike when they differ.
func describe(raw json.RawMessage) string {
	return textsafe.Spell(describeRaw(raw))
}

func describeRaw(raw json.RawMessage) string {
	var e struct {
		Command *string  `json:"command"`
		Args    []string `json:"args"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Command != nil {
		return describeServer(Server{Command: *e.Command, Args: e.Args})
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) == nil {
		return b.String()
	}
	return string(raw)
}

func describeServer(s Server) string {
	return strings.TrimSpace(s.Command + " " + strings.Join(s.Args, " "))
}
