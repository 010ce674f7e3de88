package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/credentials"
)

// Masking: a secret (PIN, API key, token, password) never reaches the
// model. By key, wherever a secret's key name appears in a result (unless
// the caller asked with reveal: true); and by value, wherever a stored
// secret or this client's human password appears, whatever carries it.

// secretKeys are masked wherever they appear in a result.
var secretKeys = map[string]string{
	"pin": credentials.FieldPIN, "token": credentials.FieldToken, "access_token": credentials.FieldToken,
	"refresh_token": credentials.FieldToken, "api_key": credentials.FieldAPIKey, "password": credentials.FieldPIN,
}

// mayHoldSecret is conservative: any secret key name, quoted, anywhere, or
// any \u escape (which could spell one), sends the answer to the scrubber.
func mayHoldSecret(raw []byte) bool {
	if bytes.Contains(raw, []byte(`\u`)) {
		return true
	}
	for k := range secretKeys {
		if bytes.Contains(raw, []byte(`"`+k+`"`)) {
			return true
		}
	}
	return false
}

func scrubResult(res *mcp.CallToolResult, reveal bool) {
	if res == nil || reveal {
		return
	}
	res.StructuredContent = scrub(res.StructuredContent)
}

func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if field, secret := secretKeys[k]; secret {
				if s, isStr := val.(string); isStr {
					out[k] = credentials.Mask(field, s)
					continue
				}
			}
			out[k] = scrub(val)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = scrub(x[i])
		}
		return out
	}
	return v
}

// minSecretLen: shorter values are not masked by value (they would mask
// ordinary words); every real secret here is far longer.
const minSecretLen = 8

type secretValue struct{ field, value string }

// knownSecrets are the values to mask in this call's results.
func (d *Deps) knownSecrets(ctx context.Context) []secretValue {
	var out []secretValue
	add := func(field, v string) {
		if len(v) >= minSecretLen {
			out = append(out, secretValue{field, v})
		}
	}
	if d.Store != nil {
		v, _ := d.Store.Get(ctx)
		add(credentials.FieldPIN, v.PIN)
		add(credentials.FieldAPIKey, v.APIKey)
		add(credentials.FieldToken, v.Token)
	}
	add(credentials.FieldPIN, d.humanPassword(ctx))
	return out
}

// maskSecrets masks a result by key (unless reveal) and by value.
func (d *Deps) maskSecrets(ctx context.Context, res *mcp.CallToolResult, reveal bool) {
	scrubResult(res, reveal)
	secrets := d.knownSecrets(ctx)
	if sc, isMap := res.StructuredContent.(map[string]any); isMap {
		if pin, shown := sc["unsaved_pin"].(string); shown { // the one secret shown on purpose
			secrets = without(secrets, pin)
		}
	}
	if len(secrets) == 0 {
		return
	}
	if raw := res.RawStructuredContent; raw != nil && containsAny(string(raw), secrets) {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			res.RawStructuredContent, res.StructuredContent = nil, v
		}
	}
	if res.StructuredContent != nil {
		res.StructuredContent = maskValues(res.StructuredContent, secrets)
	}
	for i, c := range res.Content {
		if tc, isText := c.(mcp.TextContent); isText && containsAny(tc.Text, secrets) {
			tc.Text = maskString(tc.Text, secrets)
			res.Content[i] = tc
		}
	}
}

func without(list []secretValue, v string) []secretValue {
	out := list[:0:0]
	for _, s := range list {
		if s.value != v {
			out = append(out, s)
		}
	}
	return out
}

func containsAny(s string, secrets []secretValue) bool {
	for _, sv := range secrets {
		if strings.Contains(s, sv.value) {
			return true
		}
	}
	return false
}

func maskString(s string, secrets []secretValue) string {
	for _, sv := range secrets {
		s = strings.ReplaceAll(s, sv.value, credentials.Mask(sv.field, sv.value))
	}
	return s
}

func maskValues(v any, secrets []secretValue) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[maskString(k, secrets)] = maskValues(val, secrets)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = maskValues(x[i], secrets)
		}
		return out
	case string:
		return maskString(x, secrets)
	}
	return v
}
