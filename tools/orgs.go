package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// The orgs toolset: organizations and their webhooks.

var (
	pOrgID  = toolkit.IDParam("org_id", "from list_orgs")
	pReveal = toolkit.Param{Name: "reveal", Type: "boolean", Desc: "show the full key: only if the user explicitly asks"}
)

// orgParams are the Organization fields; creating marks name as required
// and says what an omitted policy becomes (on update, omitted is kept).
func orgParams(creating bool) []toolkit.Param {
	generated := ""
	if creating {
		generated = "markdown; generated if omitted"
	}
	nameRequired := creating
	return []toolkit.Param{
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
		{Name: "privacy_policy_md", Type: "string", MaxLen: 100_000, Desc: generated},
		{Name: "terms_md", Type: "string", MaxLen: 100_000, Desc: generated},
		{Name: "cookie_policy_md", Type: "string", MaxLen: 100_000, Desc: generated},
	}
}

// brandParams are the overrides confirm_import takes: the brand fields an
// import extracts (the policies and the rest: update_org afterwards). Fewer
// fields keep the tool list, which is in every prompt, small.
func brandParams() []toolkit.Param {
	keep := map[string]bool{"name": true, "description": true, "business_sector": true, "logo_url": true,
		"color_palette": true, "font_family": true, "default_language": true}
	var out []toolkit.Param
	for _, p := range orgParams(false) {
		if keep[p.Name] {
			out = append(out, p)
		}
	}
	return out
}

// orgFields copies the organization fields present in a into a request
// body, and says how many there were.
func orgFields(a toolkit.Args) (hqclient.OrgFields, int, error) {
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

// untrustedOrgs: organization fields are written by whoever edits the
// workspace, or scraped from a website by a brand import.
const untrustedOrgs = "others (organization fields may come from a website or another user)"

func orgTools(d *Deps) []toolkit.Tool {
	withOrg := func(extra ...toolkit.Param) []toolkit.Param { return append([]toolkit.Param{pOrgID}, extra...) }
	return []toolkit.Tool{
		{
			Name: "list_orgs", Toolset: Orgs, Title: "List organizations",
			Output:      outList,
			Description: "List this workspace's organizations (most MyAPIHQ services need an org_id).",
			ReadOnly:    true, Idempotent: true, OpenWorld: true, Untrusted: untrustedOrgs,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).ListOrgs(ctx)
				if err != nil {
					return nil, err
				}
				names := make([]string, 0, len(r.Data))
				for _, o := range r.Data {
					names = append(names, textsafe.Quote(o.Name)+" ("+textsafe.Quote(o.ID)+")")
				}
				if len(names) == 0 {
					return toolkit.OK(r.Raw, "No organizations yet"+d.say(
						say(": create_org makes one, or import_brand from a website.", "create_org", "import_brand"),
						say(": create_org makes one.", "create_org"), say(": import_brand makes one from a website.", "import_brand"), say(".")))
				}
				return toolkit.OK(r.Raw, fmt.Sprintf("%d organization(s): %s.", len(r.Data), strings.Join(names, ", ")))
			},
		},
		{
			Name: "create_org", Toolset: Orgs, Title: "Create an organization",
			Output:      outOrg,
			Description: "Create an organization. To build one from a website's branding, use import_brand instead.",
			Params:      orgParams(true),
			OpenWorld:   true, Untrusted: untrustedOrgs,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				f, _, err := orgFields(a)
				if err != nil {
					return nil, err
				}
				r, err := d.client(ctx).CreateOrg(ctx, f)
				return answer(r, err, func() string {
					return fmt.Sprintf("Created organization %s (%s).", textsafe.Quote(r.Data.Name), textsafe.Quote(r.Data.ID))
				})
			},
		},
		{
			Name: "get_org", Toolset: Orgs, Title: "Get an organization",
			Output:      outOrg,
			Description: "Get one organization's details.",
			Params:      withOrg(),
			ReadOnly:    true, Idempotent: true, OpenWorld: true, Untrusted: untrustedOrgs,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).GetOrg(ctx, a.Str("org_id"))
				return answer(r, err, func() string {
					return fmt.Sprintf("Organization %s (%s).", textsafe.Quote(r.Data.Name), textsafe.Quote(r.Data.ID))
				})
			},
		},
		{
			Name: "update_org", Toolset: Orgs, Title: "Update an organization",
			Output:      outOrg,
			Description: "Change an organization's fields; only those given change. Its webhooks are notified.",
			Params:      withOrg(orgParams(false)...),
			Idempotent:  true, OpenWorld: true, Untrusted: untrustedOrgs,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				f, n, err := orgFields(a)
				if err != nil {
					return nil, err
				}
				if n == 0 {
					return mcp.NewToolResultError("update_org: give at least one field to change besides org_id"), nil
				}
				r, err := d.client(ctx).UpdateOrg(ctx, a.Str("org_id"), f)
				return answer(r, err, func() string {
					return fmt.Sprintf("Updated organization %s (%s).", textsafe.Quote(r.Data.Name), textsafe.Quote(r.Data.ID))
				})
			},
		},
		{
			Name: "delete_org", Toolset: Orgs, Title: "Delete an organization",
			Output:      outObject,
			Description: "Delete an organization with its webhooks, imports and other assets. Cannot be undone.",
			Params:      withOrg(),
			Destructive: true, Idempotent: true, OpenWorld: true,
			Confirm: func(a toolkit.Args) string {
				return "Delete organization " + textsafe.Quote(a.Str("org_id")) + " and all its assets? This cannot be undone."
			},
			Audit: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).DeleteOrg(ctx, a.Str("org_id"))
				return answer(r, err, func() string { return "Deleted organization " + textsafe.Quote(a.Str("org_id")) + "." })
			},
		},
		{
			Name: "create_webhook", Toolset: Orgs, Title: "Register an org webhook",
			Output: outWebhook,
			Description: "Register a URL to be POSTed a signed event whenever the organization is updated. The answer holds " +
				"the signing secret (HMAC-SHA256 of the body, X-MyAPIHQ-Signature), shown only now.",
			Params: withOrg(
				toolkit.Param{Name: "url", Type: "string", Required: true, Format: "uri", MaxLen: 2048},
				toolkit.Param{Name: "name", Type: "string", MaxLen: 100},
				toolkit.Param{Name: "description", Type: "string", MaxLen: 500},
			),
			OpenWorld: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).CreateWebhook(ctx, a.Str("org_id"), hqclient.WebhookRequest{URL: a.Str("url"), Name: a.Str("name"), Description: a.Str("description")})
				return answer(r, err, func() string {
					return fmt.Sprintf("Registered webhook %s for %s.", textsafe.Quote(r.Data.ID), textsafe.Quote(a.Str("org_id")))
				})
			},
		},
		{
			Name: "list_webhooks", Toolset: Orgs, Title: "List org webhooks",
			Output:      outList,
			Description: "List an organization's webhooks.",
			Params:      withOrg(),
			ReadOnly:    true, Idempotent: true, OpenWorld: true, Untrusted: untrustedOrgs,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).ListWebhooks(ctx, a.Str("org_id"))
				return answer(r, err, func() string {
					return fmt.Sprintf("%d webhook(s) on %s.", len(r.Data), textsafe.Quote(a.Str("org_id")))
				})
			},
		},
		{
			Name: "delete_webhook", Toolset: Orgs, Title: "Delete an org webhook",
			Output:      outObject,
			Description: "Remove a webhook from an organization.",
			Params:      withOrg(toolkit.IDParam("webhook_id", "from list_webhooks")),
			Destructive: true, Idempotent: true, OpenWorld: true,
			Audit: true,
			Handler: func(ctx context.Context, a toolkit.Args) (*mcp.CallToolResult, error) {
				r, err := d.client(ctx).DeleteWebhook(ctx, a.Str("org_id"), a.Str("webhook_id"))
				return answer(r, err, func() string { return "Deleted webhook " + textsafe.Quote(a.Str("webhook_id")) + "." })
			},
		},
	}
}
