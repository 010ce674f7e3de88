// Package ui is the MyAPIHQ account as an MCP App: one self-contained HTML
// page (its style and script inline, no remote script, font or image),
// served as the resource ui://myapihq/account with the MCP Apps mime type,
// and linked from the tools whose results it renders. The page talks to the
// host only (ext-apps protocol over postMessage) and acts only by asking
// the host to call this server's tools.
//
// The app side of the protocol is hand-written (app/app.js, about 19 KB):
// the official app-with-deps bundle is over 500 KB, would be read on every
// render, and brings a schema library to speak the six messages used here.
package ui

import (
	"context"
	"embed"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

// URI is the app's resource; MIMEType marks it as an MCP App.
const (
	URI      = "ui://myapihq/account"
	MIMEType = "text/html;profile=mcp-app"
)

//go:embed app
var files embed.FS

// CSP is the page's own policy, on top of whatever the host enforces from
// Meta: nothing may leave the page (no fetch, image, font, frame or form
// target beyond inline data), so even text that became markup could not
// send anything anywhere but through the host. Scripts and styles are not
// pinned by hash: hosts inject their own bridge scripts into app pages, and
// a pinned policy would break them; every string is rendered as text.
const CSP = "connect-src 'none'; img-src data:; font-src 'none'; media-src 'none'; frame-src 'none'; child-src 'none'; " +
	"worker-src 'none'; object-src 'none'; form-action 'none'; base-uri 'none'"

// HTML is the page, assembled once from its three files.
var HTML = sync.OnceValue(func() string {
	read := func(name string) string {
		b, err := files.ReadFile("app/" + name)
		if err != nil {
			panic(err) // embedded at build time
		}
		return string(b)
	}
	return strings.NewReplacer("{{CSP}}", CSP, "{{STYLE}}", read("style.css"), "{{SCRIPT}}", read("app.js")).
		Replace(read("page.html"))
})

// Meta is the resource's _meta (ext-apps McpUiResourceMeta): the declared
// CSP allows no origin at all, and the page asks for the host's border.
func Meta() map[string]any {
	none := func() []string { return []string{} }
	return map[string]any{"ui": map[string]any{
		"csp":           map[string]any{"connectDomains": none(), "resourceDomains": none(), "frameDomains": none(), "baseUriDomains": none()},
		"prefersBorder": true,
	}}
}

// Resource is the app as resources/list shows it.
func Resource() mcp.Resource {
	r := mcp.NewResource(URI, "MyAPIHQ account",
		mcp.WithResourceDescription("The account as an interactive view: balance and card, the 24 h spending budget, a spending chart, "+
			"recent history, imports, organizations and the audit trail. For hosts that render MCP Apps."),
		mcp.WithMIMEType(MIMEType))
	r.Meta = &mcp.Meta{AdditionalFields: Meta()}
	return r
}

// Contents is what resources/read answers: the page, with Meta on the
// content item, where hosts read the CSP first.
func Contents() []mcp.ResourceContents {
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: URI, MIMEType: MIMEType, Text: HTML(), Meta: Meta()}}
}

// Read is the resource handler (server.AddResource(Resource(), Read)).
func Read(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	return Contents(), nil
}

// ToolMeta is the _meta of a tool whose results the app renders: the
// nested key only. ext-apps 2.0.4 calls the flat "ui/resourceUri" key
// deprecated, and its host side (AppBridge's getToolUiResourceUri, which
// the browser test's host uses on the real tools/list) reads the nested
// one first; the flat key would cost each linked tool 40 more bytes of the
// tools/list every prompt carries.
func ToolMeta() map[string]any {
	return map[string]any{"ui": map[string]any{"resourceUri": URI}}
}
