package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/audit"
	"github.com/myapihq/myapihq-mcp/complete"
	"github.com/myapihq/myapihq-mcp/icons"
	"github.com/myapihq/myapihq-mcp/toolkit"
	"github.com/myapihq/myapihq-mcp/ui"
)

// RegisterResources adds a small read-only set of resources, for hosts that
// show context to the user or let them attach it: the account (as whoami
// sees it, masked) and the organizations.
func RegisterResources(s *server.MCPServer, d *Deps) {
	s.AddResource(mcp.NewResource("myapihq://account", "MyAPIHQ account",
		mcp.WithResourceDescription("This profile's account, service and stored credentials (masked)."),
		mcp.WithMIMEType("application/json"), mcp.WithResourceIcons(icons.Toolset(string(Account))...)),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			out, _ := whoamiData(ctx, d)
			return d.masked(ctx)(jsonContents(req.Params.URI, out))
		})
	s.AddResource(mcp.NewResource("myapihq://orgs", "MyAPIHQ organizations",
		mcp.WithResourceDescription("The workspace's organizations."), mcp.WithMIMEType("application/json"),
		mcp.WithResourceIcons(icons.Toolset(string(Orgs))...)),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			r, err := d.client(ctx).ListOrgs(ctx)
			if err != nil {
				return nil, errors.New(d.explain("myapihq://orgs", err))
			}
			return d.masked(ctx)(rawContents(req.Params.URI, r.Raw))
		})
	s.AddResourceTemplate(mcp.NewResourceTemplate(complete.OrgTemplate, "MyAPIHQ organization",
		mcp.WithTemplateDescription("One organization's details."), mcp.WithTemplateMIMEType("application/json"),
		mcp.WithTemplateIcons(icons.Toolset(string(Orgs))...)),
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

// appMeta links a tool to the MCP App that renders its results.
var appMeta = ui.ToolMeta()

// AuditURI is the caller's audit trail as a resource.
const AuditURI = "myapihq://audit"

// auditEntries is how many of the newest entries the resource shows.
const auditEntries = 100

// RegisterAppResources adds, in every mode, the account as an MCP App
// (ui://myapihq/account, which the linked tools' results point to) and the
// caller's audit trail, which the app and the human read.
func RegisterAppResources(s *server.MCPServer, d *Deps) {
	app := ui.Resource()
	app.Icons = icons.Server()
	s.AddResource(app, ui.Read)
	s.AddResource(mcp.NewResource(AuditURI, "MyAPIHQ audit trail",
		mcp.WithResourceDescription("What the agent did with money, deletions and keys: time, tool, masked arguments, amount, "+
			"outcome and how the human consented, newest last."),
		mcp.WithMIMEType("application/json"), mcp.WithResourceIcons(icons.Server()...)),
		func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			doc, err := d.auditDocument(ctx)
			if err != nil {
				return nil, err
			}
			return d.masked(ctx)(rawContents(req.Params.URI, doc))
		})
}

// auditDocument is the trail as the resource serves it. What cannot be
// read is said in the document, never an error of the read: a damaged or
// missing trail must not hide the rest, nor fail the app that shows it.
func (d *Deps) auditDocument(ctx context.Context) ([]byte, error) {
	var t Trail
	if d.Trail != nil {
		t = d.Trail(ctx)
	}
	var es []audit.Entry
	var rep audit.ReadReport
	switch src := t.(type) {
	case nil:
		rep.Unreadable = []string{"this server keeps no audit trail"}
	case interface {
		Read(context.Context, time.Time, int) ([]audit.Entry, audit.ReadReport, error)
	}: // the local file says what it skipped
		var err error
		if es, rep, err = src.Read(ctx, time.Time{}, auditEntries); err != nil {
			rep.Unreadable = append(rep.Unreadable, err.Error())
		}
	default:
		var err error
		if es, err = src.Since(ctx, time.Time{}, auditEntries); err != nil {
			rep.Unreadable = append(rep.Unreadable, err.Error())
		}
	}
	return audit.Document(es, rep)
}

// Completions answers completion/complete: the caller's own organizations
// (their ids for myapihq://orgs/{id}, the domains they name for
// brand_from_domain), the services' hosts. A caller without credentials,
// or a service that fails, gets no value rather than an error: a
// completion is a convenience of the host's input box.
func (d *Deps) Completions() complete.Provider {
	return complete.Provider{Orgs: func(ctx context.Context) ([]complete.Org, error) {
		cl := d.client(ctx)
		if d.ClientFor != nil {
			var err error
			if cl, err = d.ClientFor(ctx); err != nil {
				return nil, nil
			}
		}
		r, err := cl.ListOrgs(ctx)
		if err != nil {
			d.Log.Debug().Err(err).Msg("completion: list_orgs failed")
			return nil, nil
		}
		return complete.FromJSON(r.Raw)
	}}
}
