package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
)

// Tools for keys, organizations and webhooks.

var (
	pOrgID  = Param{Name: "org_id", Type: "string", Required: true, MaxLen: 100, Desc: "from list_orgs"}
	pReveal = Param{Name: "reveal", Type: "boolean", Desc: "show the full key: only if the user explicitly asks"}
)

// orgParams are the Organization fields; required marks name as required
// (create), the rest are optional everywhere.
func orgParams(nameRequired bool) []Param {
	return []Param{
		{Name: "name", Type: "string", Required: nameRequired, MaxLen: 200},
		{Name: "description", Type: "string", MaxLen: 2000},
		{Name: "business_sector", Type: "string", MaxLen: 100},
		{Name: "logo_url", Type: "string", Format: "uri", MaxLen: 2048},
		{Name: "color_palette", Type: "object", Desc: `e.g. {"primary":"#112233"}`},
		{Name: "font_family", Type: "string", MaxLen: 100},
		{Name: "privacy_policy_url", Type: "string", Format: "uri", MaxLen: 2048},
		{Name: "cookie_policy_url", Type: "string", Format: "uri", MaxLen: 2048},
		{Name: "terms_url", Type: "string", Format: "uri", MaxLen: 2048},
		{Name: "gdpr_enabled", Type: "boolean"},
		{Name: "default_language", Type: "string", MaxLen: 35, Desc: "e.g. en, pt-BR"},
		{Name: "tracking", Type: "object"},
		{Name: "privacy_policy_md", Type: "string", MaxLen: 100_000, Desc: "markdown; generated if omitted"},
		{Name: "terms_md", Type: "string", MaxLen: 100_000, Desc: "markdown; generated if omitted"},
		{Name: "cookie_policy_md", Type: "string", MaxLen: 100_000, Desc: "markdown; generated if omitted"},
	}
}

// orgFields copies the organization fields present in a into a request
// body, and says how many there were.
func orgFields(a Args) (hqclient.OrgFields, int, error) {
	sub := map[string]any{}
	for _, p := range orgParams(false) {
		if a.Has(p.Name) {
			sub[p.Name] = a[p.Name]
		}
	}
	var f hqclient.OrgFields
	b, err := json.Marshal(sub)
	if err != nil {
		return f, 0, err
	}
	return f, len(sub), json.Unmarshal(b, &f)
}

func keyTools() []Tool {
	return []Tool{
		{
			Name: "create_key", Toolset: SetKeys, Title: "Create an extra API key",
			Description: "Create an additional API key for this workspace (create_agent already made the profile's own). " +
				"The key is masked unless reveal=true; it cannot be shown again later.",
			Params: []Param{
				{Name: "name", Type: "string", Required: true, MaxLen: 100},
				{Name: "scopes", Type: "array", MaxLen: 100},
				pReveal,
			},
			OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.CreateKey(ctx, hqclient.CreateKeyRequest{Name: a.Str("name"), Scopes: a.Strs("scopes")})
				if err != nil {
					return nil, err
				}
				shown := credentials.Mask(credentials.FieldAPIKey, r.Data.APIKey)
				if a.Bool("reveal") {
					shown = "shown in full below; it cannot be retrieved again"
				}
				return ok(r.Raw, fmt.Sprintf("Created API key %s (%s), %s.", r.Data.ID, a.Str("name"), shown))
			},
		},
		{
			Name: "list_keys", Toolset: SetKeys, Title: "List API keys",
			Description: "List this workspace's active API keys (ids, names, last 4 characters).",
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.ListKeys(ctx)
				return answer(r, err, func() string { return fmt.Sprintf("%d active API key(s).", len(r.Data)) })
			},
		},
		{
			Name: "revoke_key", Toolset: SetKeys, Title: "Revoke an API key",
			Description: "Revoke an API key for good; whatever uses it stops working. Not the profile's own key unless the user insists.",
			Params:      []Param{{Name: "key_id", Type: "string", Required: true, MaxLen: 100, Desc: "from list_keys"}},
			Destructive: true, Idempotent: true, OpenWorld: true,
			Confirm: func(a Args) string {
				return "Revoke API key " + a.Str("key_id") + "? Anything using it stops working."
			},
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.RevokeKey(ctx, a.Str("key_id"))
				return answer(r, err, func() string { return "Revoked API key " + a.Str("key_id") + "." })
			},
		},
	}
}

func orgTools() []Tool {
	withOrg := func(extra ...Param) []Param { return append([]Param{pOrgID}, extra...) }
	return []Tool{
		{
			Name: "list_orgs", Toolset: SetOrgs, Title: "List organizations",
			Description: "List this workspace's organizations (most MyAPIHQ services need an org_id).",
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.ListOrgs(ctx)
				if err != nil {
					return nil, err
				}
				names := make([]string, 0, len(r.Data))
				for _, o := range r.Data {
					names = append(names, o.Name+" ("+o.ID+")")
				}
				return ok(r.Raw, fmt.Sprintf("%d organization(s): %s.", len(r.Data), strings.Join(names, ", ")))
			},
		},
		{
			Name: "create_org", Toolset: SetOrgs, Title: "Create an organization",
			Description: "Create an organization. To build one from a website's branding, use import_brand instead.",
			Params:      orgParams(true),
			OpenWorld:   true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				f, _, err := orgFields(a)
				if err != nil {
					return nil, err
				}
				r, err := d.Client.CreateOrg(ctx, f)
				return answer(r, err, func() string { return fmt.Sprintf("Created organization %s (%s).", r.Data.Name, r.Data.ID) })
			},
		},
		{
			Name: "get_org", Toolset: SetOrgs, Title: "Get an organization",
			Description: "Get one organization's details.",
			Params:      withOrg(),
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.GetOrg(ctx, a.Str("org_id"))
				return answer(r, err, func() string { return fmt.Sprintf("Organization %s (%s).", r.Data.Name, r.Data.ID) })
			},
		},
		{
			Name: "update_org", Toolset: SetOrgs, Title: "Update an organization",
			Description: "Change an organization's fields; only those given change. Its webhooks are notified.",
			Params:      withOrg(orgParams(false)...),
			Idempotent:  true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				f, n, err := orgFields(a)
				if err != nil {
					return nil, err
				}
				if n == 0 {
					return mcp.NewToolResultError("update_org: give at least one field to change besides org_id"), nil
				}
				r, err := d.Client.UpdateOrg(ctx, a.Str("org_id"), f)
				return answer(r, err, func() string { return fmt.Sprintf("Updated organization %s (%s).", r.Data.Name, r.Data.ID) })
			},
		},
		{
			Name: "delete_org", Toolset: SetOrgs, Title: "Delete an organization",
			Description: "Delete an organization with its webhooks, imports and other assets. Cannot be undone.",
			Params:      withOrg(),
			Destructive: true, Idempotent: true, OpenWorld: true,
			Confirm: func(a Args) string {
				return "Delete organization " + a.Str("org_id") + " and all its assets? This cannot be undone."
			},
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.DeleteOrg(ctx, a.Str("org_id"))
				return answer(r, err, func() string { return "Deleted organization " + a.Str("org_id") + "." })
			},
		},
		{
			Name: "create_webhook", Toolset: SetOrgs, Title: "Register an org webhook",
			Description: "Register a URL to be POSTed a signed event whenever the organization is updated. The answer holds " +
				"the signing secret (HMAC-SHA256 of the body, X-MyAPIHQ-Signature), shown only now.",
			Params: withOrg(
				Param{Name: "url", Type: "string", Required: true, Format: "uri", MaxLen: 2048},
				Param{Name: "name", Type: "string", MaxLen: 100},
				Param{Name: "description", Type: "string", MaxLen: 500},
			),
			OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.CreateWebhook(ctx, a.Str("org_id"), hqclient.WebhookRequest{URL: a.Str("url"), Name: a.Str("name"), Description: a.Str("description")})
				return answer(r, err, func() string { return fmt.Sprintf("Registered webhook %s for %s.", r.Data.ID, a.Str("org_id")) })
			},
		},
		{
			Name: "list_webhooks", Toolset: SetOrgs, Title: "List org webhooks",
			Description: "List an organization's webhooks.",
			Params:      withOrg(),
			ReadOnly:    true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.ListWebhooks(ctx, a.Str("org_id"))
				return answer(r, err, func() string { return fmt.Sprintf("%d webhook(s) on %s.", len(r.Data), a.Str("org_id")) })
			},
		},
		{
			Name: "delete_webhook", Toolset: SetOrgs, Title: "Delete an org webhook",
			Description: "Remove a webhook from an organization.",
			Params:      withOrg(Param{Name: "webhook_id", Type: "string", Required: true, MaxLen: 100, Desc: "from list_webhooks"}),
			Destructive: true, Idempotent: true, OpenWorld: true,
			Handler: func(ctx context.Context, d *Deps, a Args) (*mcp.CallToolResult, error) {
				r, err := d.Client.DeleteWebhook(ctx, a.Str("org_id"), a.Str("webhook_id"))
				return answer(r, err, func() string { return "Deleted webhook " + a.Str("webhook_id") + "." })
			},
		},
	}
}
