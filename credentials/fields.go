package credentials

import (
	"encoding/json"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// Values are the secrets of one profile on one service.
type Values struct {
	AccountID      string
	PIN            string
	APIKey         string
	Token          string
	TokenExpiresAt time.Time
	// OnboardKey is the Idempotency-Key of an onboarding in progress (not a
	// secret): stored before agent/create, it lets a run interrupted after
	// the account exists get the same account back instead of a second one.
	OnboardKey string
}

func (v Values) empty() bool { return v == Values{} }

// Field names, as items, env vars and status rows use them.
const (
	FieldAccountID = mask.AccountID
	FieldPIN       = mask.PIN
	FieldAPIKey    = mask.Key
	FieldToken     = mask.Token
)

// fieldOnboardKey is stored like the others but shown nowhere.
const fieldOnboardKey = "onboard_key"

// field is one stored credential: the one table every read, write, merge,
// override and display goes through.
type field struct {
	name string
	env  string // the override variable; "" = none, and not shown
	ptr  func(v *Values) *string
}

// fieldTable, in display order.
var fieldTable = []field{
	{FieldAccountID, "MYAPI_ACCOUNT_ID", func(v *Values) *string { return &v.AccountID }},
	{FieldPIN, "MYAPI_PIN", func(v *Values) *string { return &v.PIN }},
	{FieldAPIKey, "MYAPI_API_KEY", func(v *Values) *string { return &v.APIKey }},
	// Stored as a tokenItem: the token travels with its expiry.
	{FieldToken, "MYAPI_TOKEN", func(v *Values) *string { return &v.Token }},
	{fieldOnboardKey, "", func(v *Values) *string { return &v.OnboardKey }},
}

// Fields are the shown fields, in display order.
var Fields = func() []string {
	var out []string
	for _, f := range fieldTable {
		if f.env != "" {
			out = append(out, f.name)
		}
	}
	return out
}()

var storedFields = func() []string {
	var out []string
	for _, f := range fieldTable {
		out = append(out, f.name)
	}
	return out
}()

// EnvVars are the overrides: they win over stored values and are never written back.
var EnvVars = func() map[string]string {
	out := map[string]string{}
	for _, f := range fieldTable {
		if f.env != "" {
			out[f.name] = f.env
		}
	}
	return out
}()

func fieldNamed(name string) (field, bool) {
	for _, f := range fieldTable {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// encode is a field's stored form ("" = nothing to store).
func (f field) encode(v Values) string {
	raw := *f.ptr(&v)
	if f.name == FieldToken && raw != "" {
		b, _ := json.Marshal(tokenItem{Token: v.Token, ExpiresAt: v.TokenExpiresAt})
		raw = string(b)
	}
	return raw
}

// decode sets the field in v from its stored form.
func (f field) decode(v *Values, raw string) {
	if f.name == FieldToken {
		var t tokenItem
		if json.Unmarshal([]byte(raw), &t) == nil {
			v.Token, v.TokenExpiresAt = t.Token, t.ExpiresAt
		}
		return
	}
	*f.ptr(v) = raw
}

// copyTo sets the field (and a token's expiry) of dst from src.
func (f field) copyTo(dst *Values, src Values) {
	*f.ptr(dst) = *f.ptr(&src)
	if f.name == FieldToken {
		dst.TokenExpiresAt = src.TokenExpiresAt
	}
}

// tokenItem is the stored form of the token field: a JWT with its expiry.
type tokenItem struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// pick is v with only the named field.
func pick(v Values, name string) Values {
	var out Values
	if f, ok := fieldNamed(name); ok {
		f.copyTo(&out, v)
	}
	return out
}

// merge returns base with every non-empty field of over on top.
func merge(base, over Values) Values {
	for _, f := range fieldTable {
		if *f.ptr(&over) != "" {
			f.copyTo(&base, over)
		}
	}
	return base
}

func fieldValue(v Values, name string) string {
	if f, ok := fieldNamed(name); ok {
		return *f.ptr(&v)
	}
	return ""
}
