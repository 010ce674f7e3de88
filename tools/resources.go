package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/toolkit"
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
				return nil, errors.New(d.explain("myapihq://orgs", err))
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
			if !toolkit.ValidID(id) { // not echoed: it may be an instruction
				return nil, fmt.Errorf("myapihq://orgs/{id} needs an organization id (letters, digits, _ and -): list_orgs shows them")
			}
			r, err := d.client(ctx).GetOrg(ctx, id)
			if err != nil {
				return nil, errors.New(d.explain(req.Params.URI, err))
			}
			return d.masked(ctx)(rawContents(req.Params.URI, r.Raw))
		})
}

// masked masks a resource's texts as results are masked.
func (d *Deps) masked(ctx context.Context) func([]mcp.ResourceContents, error) ([]mcp.ResourceContents, error) {
	return func(cs []mcp.ResourceContents, err error) ([]mcp.ResourceContents, error) {
		if err != nil {
			return nil, err
		}
		m := d.masker(ctx)
		for i, c := range cs {
			if tc, isText := c.(mcp.TextResourceContents); isText && !m.Clean([]byte(tc.Text)) {
				var v any
				if tc.MIMEType == "application/json" && json.Unmarshal([]byte(tc.Text), &v) == nil {
					if b, err := json.Marshal(m.Value(v)); err == nil {
						tc.Text = string(b)
					}
				} else {
					tc.Text = m.Text(tc.Text)
				}
				cs[i] = tc
			}
		}
		return cs, nil
	}
}

func jsonContents(uri string, v any) ([]mcp.ResourceContents, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
}

func rawContents(uri string, raw json.RawMessage) ([]mcp.ResourceContents, error) {
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(raw)}}, nil
}
