package mask

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDisplay(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ kind, in, want string }{
		{Key, "hq_live_abcdefghijklmnopqrstuvwxyz001234", "hq_live_…1234"},
		{PIN, "abcdefghijklmnop9876", "••••9876"},
		{Token, "eyJhbGciOi.payload.sig0000wxyz", "eyJ…wxyz"},
		{Token, "short", "••••"},
		{AccountID, "acct_1", "acct_1"},
		{Key, "", ""},
		{Token, "opaque-token-value", "opa…alue"},
	} {
		if got := Display(c.kind, c.in); got != c.want {
			t.Errorf("Display(%s, %q) = %q, want %q", c.kind, c.in, got, c.want)
		}
		if c.in != "" && c.kind != AccountID && !IsDisplay(Display(c.kind, c.in)) {
			t.Errorf("IsDisplay(Display(%q)) is false", c.in)
		}
	}
}

// A stored key echoed back base64'd, at any offset and in either alphabet,
// or spelled with JSON or percent escapes, is still masked.
func TestMaskFindsEncodedSecrets(t *testing.T) {
	t.Parallel()
	key := "hq_live_fisour6ce7rsiygvch245ie7o2uhwbzqw"
	m := New(Secret{Key, key})
	for pre := range 6 {
		for post := range 4 {
			raw := []byte(strings.Repeat("P", pre) + key + strings.Repeat("s", post))
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				e := enc.EncodeToString(raw)
				if got := m.Text("seen: " + e); strings.Contains(got, e[len(e)/2-4:len(e)/2+4]) {
					t.Errorf("base64 (pre %d, post %d) not masked: %s", pre, post, got)
				}
				if m.Clean([]byte("seen: " + e)) {
					t.Errorf("base64 (pre %d, post %d) called clean", pre, post)
				}
			}
		}
	}
	for _, s := range []string{`hq\u005flive_fisour6ce7rsiygvch245ie7o2uhwbzqw`, "hq%5Flive_fisour6ce7rsiygvch245ie7o2uhwbzqw",
		`hq\u005f\u006cive_MINTEDMINTED`} {
		if got := m.Text(s); strings.Contains(got, "fisour6ce7") || strings.Contains(got, "MINTEDMINTED") {
			t.Errorf("escaped credential not masked: %s", got)
		}
	}
	// ordinary text is left alone, escapes included
	for _, s := range []string{`{"name":"caf\u00e9 100%"}`, `a %2D b`} {
		if got := m.Text(s); got != s {
			t.Errorf("ordinary text changed: %s", got)
		}
	}
}

func TestShapesAndNames(t *testing.T) {
	t.Parallel()
	m := New(Secret{Key, "hq_live_abcdefghijklmnopqrstuvwxy"}, Secret{PIN, "PINPINPINPINPIN123"}, Secret{PIN, ""}, Secret{PIN, "abc"})
	in := `key hq_live_abcdefghijklmnopqrstuvwxy other hq_live_ZZZZYYYYXXXX test hq_test_QQQQWWWW pin PINPINPINPINPIN123 ` +
		`jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl abc`
	out := m.Text(in)
	for _, leak := range []string{"abcdefghijklmnopqrstuvwxy", "ZZZZYYYYXXXX", "QQQQWWWW", "PINPINPINPINPIN123", "eyJzdWIiOiJ4In0"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q leaked: %s", leak, out)
		}
	}
	if !strings.HasSuffix(out, " abc") {
		t.Errorf("a short value was masked: %s", out)
	}
	v := m.Value(map[string]any{"k": []any{"hq_live_SECRETSECRET"}, "hq_live_INKEYNAME1": 1.0,
		"pin": "abcdefghijklmnop9876", "nested": []any{map[string]any{"api_key": "x-opaque-key-000001234"}}})
	b, _ := json.Marshal(v)
	for _, leak := range []string{"SECRETSECRET", "INKEYNAME1", "abcdefghijklmnop9876", "opaque-key"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("%q leaked: %s", leak, b)
		}
	}
	if !strings.Contains(string(b), "••••9876") || !strings.Contains(string(b), "x-o…1234") {
		t.Errorf("names not shown as Display shows them: %s", b)
	}
	// revealed: names and shapes stay, known secrets still go
	r := New(Secret{PIN, "PINPINPINPINPIN123"}).Revealing()
	if got := r.Text("new hq_live_NEWKEYNEWKEY and PINPINPINPINPIN123"); !strings.Contains(got, "hq_live_NEWKEYNEWKEY") || strings.Contains(got, "PINPINPIN") {
		t.Errorf("reveal: %s", got)
	}
	if got := r.Value(map[string]any{"api_key": "hq_live_NEWKEYNEWKEY"}); got.(map[string]any)["api_key"] != "hq_live_NEWKEYNEWKEY" {
		t.Errorf("reveal by name: %v", got)
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	m := New(Secret{Key, "hq_live_abcdefghijklmnopqrstuvwxy"})
	for _, s := range []string{`{"id":"org_1","name":"Acme"}`, `[{"balance_cents":0}]`} {
		if !m.Clean([]byte(s)) {
			t.Errorf("%s called unclean", s)
		}
	}
	for _, s := range []string{`{"pin":"x"}`, `{"\u0070in":"x"}`, `{"a":"hq_live_abcdefghijklmnopqrstuvwxy"}`, `{"a":"eyJx"}`, `{"a":"50%"}`} {
		if m.Clean([]byte(s)) {
			t.Errorf("%s called clean", s)
		}
	}
}

func TestURLs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`invalid MYAPI_REDIS_URL="redis://u:hunter2@h:6379/0"`:     `invalid MYAPI_REDIS_URL="redis://…@h:6379/0"`,
		`invalid MYAPI_BASE_URL="ftp://u:hunter2@x": want http(s)`: `invalid MYAPI_BASE_URL="ftp://…@x": want http(s)`,
		`invalid argument "redis://:pw@h:6379/0" for "--redis"`:    `invalid argument "redis://…@h:6379/0" for "--redis"`,
		"https://api.myapihq.com/hq/orgs":                          "https://api.myapihq.com/hq/orgs",
		"no url":                                                   "no url",
	} {
		if got := URLs(in); got != want {
			t.Errorf("URLs(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzMask: whatever a service or the hub answers, a known secret never
// survives Text or Value (plain, in base64 or escaped), and text with
// nothing to mask comes back unchanged.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"plain", "a hq_live_x b", `\u0068q`, "%68q", "eyJa.eyJb.c", "x PIN-VALUE-0001 y"} {
		f.Add(s, "PIN-VALUE-0001")
	}
	f.Fuzz(func(t *testing.T, around, secret string) {
		// real secrets are letters, digits and -_.~: no escape character,
		// nor one of what masking writes in their place
		if len(secret) < MinLen || strings.ContainsAny(secret, `\%[]•…`) {
			return
		}
		m := New(Secret{PIN, secret})
		text := around + secret + around
		if got := m.Text(text); strings.Contains(got, secret) {
			t.Fatalf("Text(%q) kept the secret: %q", text, got)
		}
		b64 := base64.StdEncoding.EncodeToString([]byte(text))
		if len(secret) >= 12 && m.Clean([]byte(b64)) {
			t.Fatalf("base64 of %q called clean", text)
		}
		v := m.Value(map[string]any{"k": text, text: 1}).(map[string]any)
		for k, val := range v {
			if s, _ := val.(string); strings.Contains(k, secret) || strings.Contains(s, secret) {
				t.Fatalf("Value kept the secret: %q", v)
			}
		}
		if m.Clean([]byte(around)) && m.Text(around) != around {
			t.Fatalf("clean text %q changed: %q", around, m.Text(around))
		}
	})
}

func TestErr(t *testing.T) {
	t.Parallel()
	base := errors.New("POST /hq/agent/login: 401 wrong password s3cret-passw0rd for https://u:p@hq.example/x")
	err := fmt.Errorf("sign-in: %w", base)
	got := New(Secret{Kind: PIN, Value: "s3cret-passw0rd"}).Err(err)
	if msg := got.Error(); strings.Contains(msg, "s3cret-passw0rd") || strings.Contains(msg, "u:p@") || !strings.Contains(msg, "wrong password") {
		t.Errorf("Err: %q", msg)
	}
	if !errors.Is(got, base) {
		t.Error("the masked error no longer wraps its cause")
	}
	if clean := errors.New("timeout"); New().Err(clean) != clean || New().Err(nil) != nil {
		t.Error("an error with nothing to mask was changed")
	}
}

func TestSecretName(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"pin", "PIN", "X-Api-Key", "api-key", "Api Key", "apiKey", "api_key", "client_secret", "client-secret",
		"Authorization", "Bearer", "JWT", "x_pwd", "Passphrase", "private-key", "privateKey", "session_id", "Set-Cookie", "refresh.token"} {
		if !SecretName(n) {
			t.Errorf("%q is not read as a secret's name", n)
		}
	}
	for _, n := range []string{"note", "name", "amount_cents", "org_id", "domain", "key_id", "method"} {
		if SecretName(n) {
			t.Errorf("%q is read as a secret's name", n)
		}
	}
}
