package tools

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The keys toolset: the workspace's API keys.

func keyTools(d *Deps) []toolkit.Tool {
	return []toolkit.Tool{
		{
			Name: "create_key", Toolset: Keys, Title: "Create an extra API key",
			Output: outKey,
			Description: "Create an additional API key for this workspace (create_agent already made the profile's own). " +
				"The key is masked unless reveal=true; it cannot be shown again later.",
			Params: []toolkit.Param{
				{Name: "name", Type: "string", Required: true, MaxLen: 100},
				{Name: "scopes", Type: "array", MaxLen: 100},
				pReveal,
			},
			OpenWorld: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				// A key shown opens everything the account can do (paid
				// imports and service calls take the key alone) and outlives
				// an OAuth connection's revocation: only a connection allowed
				// every scope may see one.
				if withheld := d.scopesWithheld(ctx); a.Bool("reveal") && len(withheld) > 0 {
					return mcp.NewToolResultError(fmt.Sprintf("create_key refused: a key shown in full can do everything the account can, "+
						"and this connection was not allowed %s. Nothing was created. Call create_key without reveal, or sign in "+
						"again allowing every scope.", strings.Join(withheld, ", "))), nil
				}
				r, err := d.client(ctx).CreateKey(ctx, hqclient.CreateKeyRequest{Name: a.Str("name"), Scopes: a.Strs("scopes")})
				if err != nil {
					return nil, err
				}
				shown := mask.Display(credentials.FieldAPIKey, r.Data.APIKey)
				if a.Bool("reveal") {
					shown = "shown in full below; it cannot be retrieved again"
				}
				return toolkit.OK(r.Raw, fmt.Sprintf("Created API key %s (%s), %s.", textsafe.Quote(r.Data.ID), textsafe.Quote(a.Str("name")), shown))
			},
		},
		{
			Name: "list_keys", Toolset: Keys, Title: "List API keys",
			Output:      outList,
			Description: "List this workspace's active API keys (ids, names, last 4 characters).",
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).ListKeys(ctx)
				return answer(r, err, func() string { return fmt.Sprintf("%d active API key(s).", len(r.Data)) })
			},
		},
		{
			Name: "revoke_key", Toolset: Keys, Title: "Revoke an API key",
			Output:      outObject,
			Description: "Revoke an API key for good; whatever uses it stops working. Not the profile's own key unless the user insists.",
			Params:      []toolkit.Param{toolkit.IDParam("key_id", "from list_keys")},
			Destructive: true, Idempotent: true, OpenWorld: true,
			Confirm: func(a toolkit.Args) string {
				return "Revoke API key " + textsafe.Quote(a.Str("key_id")) + "? Anything using it stops working."
			},
			Audit: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).RevokeKey(ctx, a.Str("key_id"))
				return answer(r, err, func() string { return "Revoked API key " + textsafe.Quote(a.Str("key_id")) + "." })
			},
		},
		rotateKeyTool(d),
	}
}

// Rotation: the profile's own key, replaced (the rotate_key tool and `myapihq-mcp auth rotate-key`).

// RotateResult says what a rotation did; it holds no secret.
type RotateResult struct {
	NewKeyID     string `json:"new_key_id"`
	NewKeyMasked string `json:"new_key_masked"`
	RevokedKeyID string `json:"revoked_key_id,omitempty"`
	Revoked      bool   `json:"revoked"`
	Note         string `json:"note,omitempty"`
	// SharedWith: other profiles that held the old key (forced rotation).
	SharedWith []string `json:"shared_with,omitempty"`
}

// ErrEnvOverride: the key comes from the environment, where rotation
// cannot replace it.
var ErrEnvOverride = errors.New("MYAPI_API_KEY is set in the environment and overrides the store: a rotated key " +
	"would not be used; unset it and restart first")

// SharedKeyError: other profiles of the service hold the key a rotation
// would revoke, so it would stop working there too (a backup imported under
// a second profile is the same key).
type SharedKeyError struct{ Profiles []string }

func (e *SharedKeyError) Error() string {
	return fmt.Sprintf("%s of this service %s the same API key: rotating it revokes the key there too", ProfilesPhrase(e.Profiles), holds(e.Profiles))
}

// holds is the verb for ProfilesPhrase(names).
func holds(names []string) string {
	if len(names) == 1 {
		return "holds"
	}
	return "hold"
}

// ProfilesPhrase is `profile "a"` or `profiles "a", "b"`.
func ProfilesPhrase(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = textsafe.Quote(n)
	}
	if len(q) == 1 {
		return "profile " + q[0]
	}
	return "profiles " + strings.Join(q, ", ")
}

// RotateKey replaces the profile's API key: it creates a new key (the PIN
// mints the token that allows it), stores it, then revokes the old one.
// Neither key is returned. The old key is revoked only once the new one is
// stored, so a failure leaves a working key in the store. A key that other
// profiles hold too is a *SharedKeyError unless force: a human at the
// command line may take that on, a model may not.
func RotateKey(ctx context.Context, client *hqclient.Client, store *credentials.Store, force bool) (RotateResult, error) {
	var out RotateResult
	if keyFromEnv(ctx, store) {
		return out, ErrEnvOverride
	}
	v, err := store.Get(ctx)
	if err != nil {
		return out, err
	}
	if holders := store.HoldersOf(ctx, v.APIKey); len(holders) > 0 {
		if !force {
			return out, &SharedKeyError{Profiles: holders}
		}
		out.SharedWith = holders
	}
	if v.PIN == "" && v.Token == "" {
		return out, errors.New("this profile has no PIN: only create_agent (or auth import) can give it a key")
	}
	// Its requests' keys derive from the call's (a consent answer's, or a
	// pending retry's): the same call again creates no second key.
	base := hqclient.IdempotencyKey(ctx)
	if base == "" {
		base = hqclient.NewIdempotencyKey()
	}
	// The old key's id, by its last four characters.
	var oldID string
	if v.APIKey != "" {
		list, err := client.ListKeys(ctx)
		if err != nil {
			return out, err
		}
		matches := 0
		for _, k := range list.Data {
			if k.Last4 != "" && strings.HasSuffix(v.APIKey, k.Last4) {
				oldID, matches = k.ID, matches+1
			}
		}
		if matches != 1 {
			oldID = ""
			out.Note = "the old key could not be told apart from the others by its last characters: it was not revoked; " +
				"revoke it with revoke_key once you know which it is"
		}
	}
	k, err := client.CreateKey(hqclient.WithIdempotencyKey(ctx, base+"-create"),
		hqclient.CreateKeyRequest{Name: "myapihq-mcp " + store.Profile() + " (rotated)"})
	if err != nil {
		return out, err
	}
	out.NewKeyID, out.NewKeyMasked = k.Data.ID, mask.Display(credentials.FieldAPIKey, k.Data.APIKey)
	if err := store.Save(ctx, credentials.Values{APIKey: k.Data.APIKey}); err != nil {
		// Keep the old key working: the new one is lost with this process.
		_, _ = client.RevokeKey(hqclient.WithIdempotencyKey(ctx, base+"-undo"), k.Data.ID)
		return out, fmt.Errorf("the new key could not be stored, so it was revoked and the old key kept: %w", err)
	}
	if oldID == "" {
		return out, nil
	}
	if _, err := client.RevokeKey(hqclient.WithIdempotencyKey(ctx, base+"-revoke"), oldID); err != nil {
		out.RevokedKeyID = oldID
		out.Note = "the new key is stored and in use, but revoking the old one failed (" + Explain("rotate_key", err) +
			"): call revoke_key with key_id " + textsafe.Quote(oldID)
		return out, nil
	}
	out.RevokedKeyID, out.Revoked = oldID, true
	return out, nil
}

// keyFromEnv: the API key in use comes from MYAPI_API_KEY.
func keyFromEnv(ctx context.Context, store *credentials.Store) bool {
	for _, f := range store.Status(ctx).Fields {
		if f.Field == credentials.FieldAPIKey && f.Present && strings.HasPrefix(f.Source, credentials.SourceEnv) {
			return true
		}
	}
	return false
}

func rotateKeyTool(d *Deps) toolkit.Tool {
	return toolkit.Tool{
		Name: "rotate_key", Toolset: Keys, Title: "Rotate the profile's API key",
		Output:      toolkit.Object("new_key_id"),
		Description: "Replace the profile's API key (new one stored, old one revoked; neither shown): after a 401 invalid_api_key or a leak.",
		Destructive: true, OpenWorld: true, LocalOnly: true,
		Refuse: func(ctx context.Context, _ toolkit.Args) string {
			if keyFromEnv(ctx, d.Store) {
				return ErrEnvOverride.Error()
			}
			if v, err := d.Store.Get(ctx); err == nil {
				if holders := d.Store.HoldersOf(ctx, v.APIKey); len(holders) > 0 {
					return (&SharedKeyError{Profiles: holders}).Error() + ", and its calls would fail. Tell the user; if that is fine, " +
						"they can run `myapihq-mcp auth rotate-key --force` themselves, or log the other profile out first."
				}
			}
			return ""
		},
		Confirm: func(toolkit.Args) string {
			return "Replace this profile's MyAPIHQ API key with a new one and revoke the old key? Anything else using the old key stops working."
		},
		Audit: true,
		Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
			r, err := RotateKey(ctx, d.client(ctx), d.Store, false)
			var shared *SharedKeyError
			if errors.Is(err, ErrEnvOverride) || errors.As(err, &shared) {
				return mcp.NewToolResultError("rotate_key refused: " + err.Error()), nil
			}
			if err != nil {
				return nil, err
			}
			summary := "Rotated the API key: the new key " + r.NewKeyMasked + " is stored and in use"
			if r.Revoked {
				summary += "; the old key " + textsafe.Quote(r.RevokedKeyID) + " is revoked."
			} else if r.Note != "" {
				summary += ". " + r.Note + "."
			} else {
				summary += "."
			}
			return toolkit.OKValue(map[string]any{"new_key_id": r.NewKeyID, "new_key_masked": r.NewKeyMasked,
				"revoked_key_id": r.RevokedKeyID, "revoked": r.Revoked, "note": r.Note}, summary), nil
		},
	}
}
