package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// memory is a Sink that keeps the encoded lines, as the stores do.
type memory struct{ lines [][]byte }

func (m *memory) Append(_ context.Context, e Entry) error {
	b, err := json.Marshal(e)
	m.lines = append(m.lines, b)
	return err
}

const secretAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

func randomSecret(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = secretAlphabet[r.IntN(len(secretAlphabet))]
	}
	return string(b)
}

// placements puts a secret in every place of a tool's arguments a model or
// a caller could put it: a value, inside text, a key, nested, in a list,
// percent- or JSON-escaped, under a secret's name.
func placements(secret, text string) []map[string]any {
	esc := url.QueryEscape(secret)
	var jsonEsc strings.Builder
	for _, r := range secret {
		jsonEsc.WriteString(`\u00` + strings.ToLower(string("0123456789abcdef"[r>>4])+string("0123456789abcdef"[r&15])))
	}
	return []map[string]any{
		{"amount_cents": 100, "note": secret},
		{"body": text + secret + text},
		{secret: "value"},
		{"body": map[string]any{"nested": []any{"a", map[string]any{"deep": text + " " + secret}}}},
		{"tags": []string{"x", secret}},
		{"path": "/v1/things?key=" + esc},
		{"body": `{"k":"` + jsonEsc.String() + `"}`},
		{"pin": secret[:8]}, // a short value under a secret's name
		{"headers": map[string]any{"Authorization": "Bearer " + secret}},
		{"password": map[string]any{"value": secret}},
	}
}

// TestNoSecretComesOut: for random secrets in every placement, known to
// the masker or only shaped like a key or a token, no entry holds one.
func TestNoSecretComesOut(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	for round := range 300 {
		known := randomSecret(r, 8+r.IntN(40))
		shapedKey := "hq_live_" + randomSecret(r, 24+r.IntN(16))
		shapedJWT := "eyJ" + randomSecret(r, 20) + "." + randomSecret(r, 30) + "." + randomSecret(r, 20)
		text := randomSecret(r, r.IntN(30))
		for _, secret := range []string{known, shapedKey, shapedJWT} {
			for i, args := range placements(secret, text) {
				m := &memory{}
				err := Recorder{Sink: m}.Record(context.Background(), Call{Profile: "p", Tool: "service_write", Args: args,
					Outcome: Failed, Consent: NoElicitation, Detail: "service said " + secret}, mask.New(mask.Secret{Kind: mask.PIN, Value: known}))
				if err != nil {
					t.Fatal(err)
				}
				line := m.lines[0]
				if bytes.Contains(line, []byte(secret)) || i == 7 && bytes.Contains(line, []byte(`"`+secret[:8]+`"`)) {
					t.Fatalf("round %d placement %d: the secret %q is in %s", round, i, secret, line)
				}
				var back map[string]any // escapes decoded, every string checked
				if err := json.Unmarshal(line, &back); err != nil {
					t.Fatal(err)
				}
				if s := flatten(back); strings.Contains(s, secret) {
					t.Fatalf("round %d placement %d: the secret %q is in the decoded entry %s", round, i, secret, s)
				}
			}
		}
	}
}

func flatten(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				b.WriteString(k + "\x00")
				walk(val)
			}
		case []any:
			for _, val := range x {
				walk(val)
			}
		case string:
			b.WriteString(x + "\x00")
		}
	}
	walk(v)
	return b.String()
}

// FuzzRecord: whatever the arguments, a known secret never comes out, and
// the entry is one line of valid JSON.
func FuzzRecord(f *testing.F) {
	f.Add("s3cr3t-PIN-0042", "note", "before ", " after")
	f.Add("hq_live_abcdefghijklmnop", "body", "Bearer ", "")
	f.Add("0123456789", "pin", "", "")
	f.Fuzz(func(t *testing.T, secret, key, before, after string) {
		if len(secret) < 8 || strings.Trim(secret, secretAlphabet) != "" {
			return // real secrets are long and of this alphabet
		}
		m := &memory{}
		args := map[string]any{key: before + secret + after, "list": []any{secret}, "obj": map[string]any{key: secret}}
		if err := (Recorder{Sink: m}).Record(context.Background(), Call{Tool: "top_up", Args: args, Outcome: Done,
			Consent: Flag, Detail: before + secret}, mask.New(mask.Secret{Kind: mask.Key, Value: secret})); err != nil {
			t.Fatal(err)
		}
		line := m.lines[0]
		if bytes.ContainsAny(line, "\n\r") || !json.Valid(line) {
			t.Fatalf("not one line of JSON: %q", line)
		}
		var back map[string]any
		json.Unmarshal(line, &back) //nolint:errcheck // checked valid above
		if strings.Contains(flatten(back), secret) {
			t.Fatalf("secret %q in %s", secret, line)
		}
	})
}

func TestMaskArgsBounds(t *testing.T) {
	t.Parallel()
	big := map[string]any{}
	for i := range 100 {
		big[strings.Repeat("k", i+1)] = strings.Repeat("v", 1000)
	}
	deep := map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{"d": map[string]any{"e": 1}}}}}
	out := MaskArgs(map[string]any{"big": big, "deep": deep}, mask.New())
	b, _ := json.Marshal(out)
	if len(b) > 12000 {
		t.Fatalf("masked arguments are %d bytes", len(b))
	}
	if !strings.Contains(string(b), `"[nested]"`) || !strings.Contains(string(b), "60 more") {
		t.Fatalf("bounds not applied: %s", b)
	}
	if MaskArgs(nil, mask.New()) != nil {
		t.Fatal("no arguments should stay none")
	}
}

// TestLogSink: the remote mode's log line carries the entry, masked.
func TestLogSink(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	secret := "hq_live_0123456789abcdefghij"
	err := Recorder{Sink: Tee{Log{L: zerolog.New(&buf)}}, Now: func() time.Time { return time.Unix(0, 0) }}.Record(context.Background(),
		Call{Tenant: "t1", Tool: "revoke_key", Args: map[string]any{"id": "key_1", "note": secret}, Outcome: Done, Consent: ElicitationAccepted}, nil)
	if err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	for _, want := range []string{`"event":"audit"`, `"tool":"revoke_key"`, `"tenant":"t1"`, `"id":"key_1"`} {
		if !strings.Contains(line, want) {
			t.Fatalf("log line lacks %s: %s", want, line)
		}
	}
	if strings.Contains(line, secret) {
		t.Fatalf("secret in the log: %s", line)
	}
}

func TestRecordWithoutSink(t *testing.T) {
	t.Parallel()
	err := Recorder{}.Record(context.Background(), Call{Tool: "top_up"}, nil)
	var we *WriteError
	if err == nil || !strings.Contains(err.Error(), "no audit store") || !errorsAs(err, &we) {
		t.Fatalf("got %v", err)
	}
}

func errorsAs(err error, we **WriteError) bool {
	w, ok := err.(*WriteError)
	*we = w
	return ok
}
