package e2e

import (
	"testing"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// TestRedteam2RequireConsentRefusesEveryGuardedTool: under
// --require-consent, a host that cannot elicit gets every consent-guarded
// tool refused, in both eras, with the state unchanged (the key still
// there, the org alive, no money moved), not only top_up.
func TestRedteam2RequireConsentRefusesEveryGuardedTool(t *testing.T) {
	t.Parallel()
	for _, era := range []string{mcp.ProtocolVersion20251125, mcp.LATEST_PROTOCOL_VERSION} {
		t.Run(era, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			args := append(append([]string{"stdio"}, e.sandboxArgs()...), "--require-consent", "--env-file-dir", t.TempDir())
			c := startClient(t, transport.NewStdio(binary, e.vars(), args...), era, nil)
			mustOK(t, c, "create_agent", nil)
			mustOK(t, c, "confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"})
			org := mustOK(t, c, "create_org", map[string]any{"name": "Keep"})["id"]
			key := mustOK(t, c, "create_key", map[string]any{"name": "extra"})["id"]
			for name, a := range map[string]map[string]any{
				"top_up":         {"amount_cents": 100},
				"delete_org":     {"org_id": org},
				"revoke_key":     {"key_id": key},
				"rotate_key":     {},
				"logout":         {},
				"write_env_file": {"path": ".env"},
				"service_write":  {"service": "myemailapi.com", "method": "POST", "path": "/v1/send"},
			} {
				mustFail(t, c, name, a, "cannot ask the user", "--require-consent")
			}
			if got := mustOK(t, c, "get_org", map[string]any{"org_id": org}); got["id"] != org {
				t.Fatalf("org gone: %v", got)
			}
			if bal := mustOK(t, c, "get_balance", nil); bal["balance_cents"] != float64(0) {
				t.Fatalf("money moved: %v", bal)
			}
			mustOK(t, c, "whoami", nil)
		})
	}
}
