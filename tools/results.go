package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

// ok is a success: the service's JSON as it came in structuredContent (a
// list wrapped as {"items": [...]}, since structured content is an object)
// and a one-line summary; the call wrapper adds the JSON as text too.
//
// An answer that cannot hold a secret is passed through as raw bytes: no
// decode, scrub and re-encode on the hot path of every read.
func ok(raw json.RawMessage, summary string) (*mcp.CallToolResult, error) {
	raw = bytes.TrimSpace(raw)
	if !mayHoldSecret(raw) && json.Valid(raw) {
		if len(raw) == 0 || raw[0] != '{' {
			raw = append(append([]byte(`{"items":`), raw...), '}')
		}
		return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(summary)}, RawStructuredContent: raw}, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode service answer: %w", err)
	}
	return okValue(v, summary), nil
}

// okWith is ok with one more member added to the answer's object, spliced
// into its bytes (get_balance's budget on every call, without decoding and
// re-encoding the answer: docs/benchmarks.md). It declines (false) whatever
// ok would decode, and an answer that already has the key, so the added
// member is never one of two.
func okWith(raw json.RawMessage, key string, v any, summary string) (*mcp.CallToolResult, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '{' || mayHoldSecret(raw) || bytes.Contains(raw, []byte(`"`+key+`"`)) || !json.Valid(raw) {
		return nil, false
	}
	member, err := json.Marshal(map[string]any{key: v})
	if err != nil {
		return nil, false
	}
	out := make([]byte, 0, len(raw)+len(member))
	if inner := bytes.TrimSpace(raw[1 : len(raw)-1]); len(inner) == 0 {
		out = append(out, member...)
	} else {
		out = append(append(append(out, raw[:len(raw)-1]...), ','), member[1:]...)
	}
	return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent(summary)}, RawStructuredContent: out}, true
}

func okValue(v any, summary string) *mcp.CallToolResult {
	if _, isObj := v.(map[string]any); !isObj {
		v = map[string]any{"items": v}
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(summary)},
		StructuredContent: v,
	}
}

// answer is the usual end of a handler: the call's error as is, or its
// answer with a summary (made only on success, when r is there).
func answer[T any](r *hqclient.Response[T], err error, summary func() string) (*mcp.CallToolResult, error) {
	if err != nil {
		return nil, err
	}
	return ok(r.Raw, summary())
}

// withJSONText appends the structured content, serialised, after the
// summary line: the spec's advice for hosts that pass only text to the
// model, which would otherwise see "ready: review the brand" without it.
// The bytes are kept as the raw structured content too, so they are
// encoded once.
func withJSONText(res *mcp.CallToolResult) *mcp.CallToolResult {
	if res == nil {
		return res
	}
	if res.RawStructuredContent == nil && res.StructuredContent != nil {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return res
		}
		res.RawStructuredContent = b
	}
	if res.RawStructuredContent != nil {
		res.Content = append(res.Content, mcp.NewTextContent(string(res.RawStructuredContent)))
	}
	return res
}

// asHuman gives a handler the logged-in human's client, or says to log in.
func asHuman(f func(ctx context.Context, h *hqclient.Client, a Args) (*mcp.CallToolResult, error)) func(context.Context, *Deps, Args) (*mcp.CallToolResult, error) {
	return func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
		h, err := d.humanClient(ctx)
		if err != nil {
			return nil, err
		}
		return f(ctx, h, a)
	}
}
