package icons

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestIconsAreSmallSafeSVG: every icon is a data URI under 2 KB holding
// well-formed SVG that loads nothing and runs nothing, in both themes.
func TestIconsAreSmallSafeSVG(t *testing.T) {
	t.Parallel()
	sets := map[string][]mcp.Icon{"server": Server()}
	for _, name := range Toolsets {
		sets[name] = Toolset(name)
	}
	for name, icons := range sets {
		if len(icons) != 2 || icons[0].Theme != mcp.IconThemeLight || icons[1].Theme != mcp.IconThemeDark {
			t.Fatalf("%s: want a light and a dark icon, got %+v", name, icons)
		}
		if icons[0].Src == icons[1].Src {
			t.Errorf("%s: the two themes are the same picture", name)
		}
		for _, ic := range icons {
			if len(ic.Src) >= 2048 {
				t.Errorf("%s/%s: %d bytes", name, ic.Theme, len(ic.Src))
			}
			b64, found := strings.CutPrefix(ic.Src, "data:image/svg+xml;base64,")
			if !found || ic.MIMEType != "image/svg+xml" || len(ic.Sizes) != 1 || ic.Sizes[0] != "any" {
				t.Fatalf("%s/%s: %+v", name, ic.Theme, ic)
			}
			svg, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				t.Fatal(err)
			}
			checkSVG(t, name+"/"+string(ic.Theme), svg)
		}
	}
	if Toolset("nope") != nil {
		t.Error("an unknown toolset has an icon")
	}
}

func checkSVG(t *testing.T, name string, svg []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed: %v", name, err)
		}
		se, isStart := tok.(xml.StartElement)
		if !isStart {
			continue
		}
		if root == "" {
			root = se.Name.Local
			if root != "svg" || se.Name.Space != "http://www.w3.org/2000/svg" {
				t.Fatalf("%s: root %v", name, se.Name)
			}
		}
		switch se.Name.Local {
		case "script", "image", "use", "foreignObject", "style", "a":
			t.Errorf("%s: <%s>", name, se.Name.Local)
		}
		for _, a := range se.Attr {
			if a.Name.Local == "href" || strings.HasPrefix(a.Name.Local, "on") || strings.Contains(a.Value, "url(") {
				t.Errorf("%s: attribute %s=%q", name, a.Name.Local, a.Value)
			}
		}
	}
	if strings.Contains(string(svg), "COLOR") || strings.Contains(string(svg), "ACCENT") {
		t.Errorf("%s: an ink placeholder is left", name)
	}
}

// TestIconCost: what the icons add where they go. The server's pair rides
// in initialize once per session; a toolset's pair on a resource or prompt
// listing. On every tool they would cost tools/list this much.
func TestIconCost(t *testing.T) {
	t.Parallel()
	server, _ := json.Marshal(Server())
	total := 0
	for _, name := range Toolsets {
		b, _ := json.Marshal(map[string]any{"icons": Toolset(name)})
		total += len(b)
	}
	t.Logf("server icons: %d bytes (~%d tokens) in initialize; a toolset's pair: ~%d bytes; on all 36 tools: ~%d tokens",
		len(server), len(server)/4, total/len(Toolsets), 36*total/len(Toolsets)/4)
	if len(server) > 2*2048 {
		t.Errorf("server icons: %d bytes", len(server))
	}
}
