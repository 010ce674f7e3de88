package e2e

import (
	"context"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// TestRedteam2SpendingToolsAreDestructive: hosts that confirm only tools
// marked destructive must be asked for every tool that spends money
// (docs/security.md, "Annotations"). import_brand charges on every call
// and was marked destructiveHint: false.
func TestRedteam2SpendingToolsAreDestructive(t *testing.T) {
	t.Parallel()
	s := startMCP(t, newEnv(t), mcp.ProtocolVersion20251125)
	list, err := s.c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	spends := map[string]bool{"top_up": true, "import_brand": true, "service_write": true}
	for _, tool := range list.Tools {
		if spends[tool.Name] {
			delete(spends, tool.Name)
			if h := tool.Annotations.DestructiveHint; h == nil || !*h || *tool.Annotations.ReadOnlyHint {
				t.Errorf("%s spends money but is not marked destructive", tool.Name)
			}
		}
	}
	if len(spends) != 0 {
		t.Fatalf("not listed: %v", spends)
	}
}
