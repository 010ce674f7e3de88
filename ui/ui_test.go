package ui

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestSelfContained: the page loads nothing from anywhere (no remote
// script, style, font or image), declares its CSP, and its script never
// turns a string into markup.
func TestSelfContained(t *testing.T) {
	t.Parallel()
	page := HTML()
	for _, bad := range []string{"<script src", "<link", "https://", "//cdn"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	css, _ := files.ReadFile("app/style.css")
	for _, bad := range []string{"@import", "url(", "@font-face"} {
		if strings.Contains(string(css), bad) {
			t.Errorf("the style holds %q", bad)
		}
	}
	// The one http:// is the SVG namespace, a name and not a load.
	if n := strings.Count(page, "http://"); n != 1 || !strings.Contains(page, `"http://www.w3.org/2000/svg"`) {
		t.Errorf("%d http:// in the page", n)
	}
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute(\"on", "srcdoc"} {
		if strings.Contains(page, sink) {
			t.Errorf("the script uses %s", sink)
		}
	}
	if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="`+CSP+`">`) {
		t.Error("the page does not declare its CSP")
	}
	if strings.Contains(page, "{{") {
		t.Error("a placeholder was left in the page")
	}
	if len(page) > 40<<10 {
		t.Errorf("the page is %d bytes: keep it under 40 KB, it is read on every render", len(page))
	}
	if !strings.Contains(page, "prefers-color-scheme: dark") || !strings.Contains(page, "data-theme") {
		t.Error("no dark theme")
	}
}

func TestResource(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Resource())
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		URI, MimeType string
		Meta          struct {
			UI struct {
				CSP           map[string][]string `json:"csp"`
				PrefersBorder bool                `json:"prefersBorder"`
			} `json:"ui"`
		} `json:"_meta"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.URI != "ui://myapihq/account" || r.MimeType != "text/html;profile=mcp-app" {
		t.Fatalf("resource: %s", b)
	}
	for _, k := range []string{"connectDomains", "resourceDomains", "frameDomains", "baseUriDomains"} {
		if v, ok := r.Meta.UI.CSP[k]; !ok || len(v) != 0 {
			t.Errorf("csp.%s: %v (want an explicit empty list)", k, v)
		}
	}
	cs, err := Read(context.Background(), mcp.ReadResourceRequest{})
	if err != nil || len(cs) != 1 {
		t.Fatal(cs, err)
	}
	tc := cs[0].(mcp.TextResourceContents)
	if tc.URI != URI || tc.MIMEType != MIMEType || tc.Text != HTML() || tc.Meta["ui"] == nil {
		t.Fatalf("contents: %+v", tc.Meta)
	}
}

// TestToolMetaCost: what linking a tool adds to tools/list, per tool.
func TestToolMetaCost(t *testing.T) {
	t.Parallel()
	b, _ := json.Marshal(map[string]any{"_meta": ToolMeta()})
	if len(b) > 56 {
		t.Errorf("ToolMeta costs %d bytes per linked tool: %s", len(b), b)
	}
	t.Logf("per linked tool: %d bytes (~%d tokens)", len(b)-2, (len(b)-2)/4)
}

// TestScriptTalksOnlyToHost: the page's script posts only to its parent
// and reads only messages from it.
func TestScriptTalksOnlyToHost(t *testing.T) {
	t.Parallel()
	page := HTML()
	if !strings.Contains(page, "if (ev.source !== host) return;") {
		t.Error("the script does not check who sent a message")
	}
	if n := len(regexp.MustCompile(`postMessage\(`).FindAllString(page, -1)); n != 1 {
		t.Errorf("%d postMessage calls, want the bridge's one", n)
	}
	for _, api := range []string{"fetch(", "XMLHttpRequest", "WebSocket", "localStorage", "document.cookie", "window.open", "location ="} {
		if strings.Contains(page, api) {
			t.Errorf("the script uses %s", api)
		}
	}
}
