// Command apphtml prints the MCP App resource (ui://myapihq/account) as
// resources/read would answer it, for the browser test's host page
// (scripts/browser/app.mjs), until the server itself serves the resource.
package main

import (
	"encoding/json"
	"os"

	"github.com/myapihq/myapihq-mcp/ui"
)

func main() {
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(map[string]any{"contents": ui.Contents()}); err != nil {
		os.Exit(1)
	}
}
