// Package icons holds the server's icon and one per toolset, as embedded
// SVG data URIs, each in a light and a dark variant (the MCP icon "theme":
// the background it is drawn for). Nothing is fetched: a host shows them
// offline, and no URL reveals that a user runs this server.
//
// They are meant for the server's implementation info (initialize) and for
// resources and prompts, not for each tool: 36 tools carrying two icons each
// would add some 8,300 tokens to the tools/list every prompt pays for.
package icons

import (
	"embed"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
)

//go:embed svg
var files embed.FS

// Toolsets with an icon, as --toolsets names them.
var Toolsets = []string{"account", "keys", "orgs", "billing", "imports", "services"}

// Inks per theme: light backgrounds get a dark ink, dark ones a light ink;
// the accent is the brand's indigo, lightened for dark backgrounds.
var inks = map[mcp.IconTheme][2]string{
	mcp.IconThemeLight: {"#1d2330", "#4f46e5"},
	mcp.IconThemeDark:  {"#e7e9ee", "#8b85ff"},
}

var all = sync.OnceValue(func() map[string][]mcp.Icon {
	out := map[string][]mcp.Icon{}
	for _, name := range append([]string{"server"}, Toolsets...) {
		b, err := files.ReadFile("svg/" + name + ".svg")
		if err != nil {
			panic(err) // embedded at build time
		}
		src := strings.TrimSpace(string(b))
		for _, theme := range []mcp.IconTheme{mcp.IconThemeLight, mcp.IconThemeDark} {
			svg := strings.NewReplacer("COLOR", inks[theme][0], "ACCENT", inks[theme][1]).Replace(src)
			out[name] = append(out[name], mcp.Icon{
				Src:      "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg)),
				MIMEType: "image/svg+xml", Sizes: []string{"any"}, Theme: theme,
			})
		}
	}
	return out
})

// Server is the server's icon, light and dark (server.WithIcons).
func Server() []mcp.Icon { return clone(all()["server"]) }

// Toolset is a toolset's icon, light and dark; nil for an unknown name.
func Toolset(name string) []mcp.Icon { return clone(all()[name]) }

func clone(in []mcp.Icon) []mcp.Icon {
	if in == nil {
		return nil
	}
	out := make([]mcp.Icon, len(in))
	for i, ic := range in {
		ic.Sizes = append([]string(nil), ic.Sizes...)
		out[i] = ic
	}
	return out
}
