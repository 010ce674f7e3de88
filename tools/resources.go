package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// RegisterResources adds a small read-only set of resources, for hosts that
// show context to the user or let them attach it: the account (as whoami
// sees it, masked) and the organizations.
func RegisterResources(s *server.MCPServer, d *Deps) {
	s.AddResource(mcp.NewResource("myapihq://account", "MyAPIHQ account",
		mcp.WithResourceDescription("This profile's account, service and stored credentials (masked)."),
		mcp.WithMIMEType("application/json")),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			out, _ := whoamiData(ctx, d)
			return d.masked(ctx)(jsonContents(req.Params.URI, out))
		})
	s.AddResource(mcp.NewResource("myapihq://orgs", "MyAPIHQ organizations",
		mcp.WithResourceDescription("The workspace's organizations."), mcp.WithMIMEType("application/json")),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			r, err := d.client(ctx).ListOrgs(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s", describe("myapihq://orgs", asHQ(err)))
			}
			return d.masked(ctx)(rawContents(req.Params.URI, r.Raw))
		})
	s.AddResourceTemplate(mcp.NewResourceTemplate("myapihq://orgs/{id}", "MyAPIHQ organization",
		mcp.WithTemplateDescription("One organization's details."), mcp.WithTemplateMIMEType("application/json")),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			id := ""
			switch v := req.Params.Arguments["id"].(type) { // mcp-go passes template variables as []string
			case []string:
				if len(v) > 0 {
					id = v[0]
				}
			case string:
				id = v
			}
			if !compiled(idPattern).MatchString(id) { // not echoed: it may be an instruction
				return nil, fmt.Errorf("myapihq://orgs/{id} needs an organization id (letters, digits, _ and -): list_orgs shows them")
			}
			r, err := d.client(ctx).GetOrg(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("%s", describe(req.Params.URI, asHQ(err)))
			}
			return d.masked(ctx)(rawContents(req.Params.URI, r.Raw))
		})
}

// masked masks stored secrets by value in resource texts, as in results.
func (d *Deps) masked(ctx context.Context) func([]mcp.ResourceContents, error) ([]mcp.ResourceContents, error) {
	return func(cs []mcp.ResourceContents, err error) ([]mcp.ResourceContents, error) {
		if err != nil {
			return nil, err
		}
		secrets := d.knownSecrets(ctx)
		for i, c := range cs {
			if tc, isText := c.(mcp.TextResourceContents); isText && containsAny(tc.Text, secrets) {
				tc.Text = maskString(tc.Text, secrets)
				cs[i] = tc
			}
		}
		return cs, nil
	}
}

func jsonContents(uri string, v any) ([]mcp.ResourceContents, error) {
	b, err := json.Marshal(scrub(v))
	if err != nil {
		return nil, err
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
}

func rawContents(uri string, raw json.RawMessage) ([]mcp.ResourceContents, error) {
	if !mayHoldSecret(raw) {
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(raw)}}, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return jsonContents(uri, v)
}
