package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Demo runs this binary as an MCP server on a fresh embedded sandbox and
// drives it through a real MCP client session over stdio, printing each
// step: what a newcomer's host would do, in one command. It uses a throw-away
// state and credential file, so it never touches the user's own.
func Demo(ctx context.Context, self string, out io.Writer) error {
	dir, err := os.MkdirTemp("", "myapihq-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	env := demoEnv(os.Environ(), dir)
	args := []string{"stdio", "--sandbox", "--sandbox-state", filepath.Join(dir, "sandbox.db"), "--credential-store", "file", "--profile", "demo"}
	// mcp-go would add this process's environment to env: the command
	// function gives the child exactly env.
	isolated := transport.WithCommandFunc(func(ctx context.Context, command string, env, args []string) (*exec.Cmd, error) {
		cmd := exec.CommandContext(ctx, command, args...)
		cmd.Env = env
		return cmd, nil
	})
	c := client.NewClient(transport.NewStdioWithOptions(self, env, args, transport.WithCommandStderrWriter(io.Discard), isolated),
		client.WithElicitationHandler(demoHuman{out}), client.WithProtocolVersion(mcp.ProtocolVersion20251125))
	if err := c.Start(ctx); err != nil {
		return fmt.Errorf("start the server: %w", err)
	}
	defer c.Close()

	var mu sync.Mutex
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationProgress) {
			mu.Lock()
			fmt.Fprintf(out, "     … progress %v/%v: %v\n", n.Params.AdditionalFields["progress"], n.Params.AdditionalFields["total"], n.Params.AdditionalFields["message"])
			mu.Unlock()
		}
	})

	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.ProtocolVersion20251125
	init.Params.ClientInfo = mcp.Implementation{Name: "myapihq-mcp demo", Version: "1"}
	init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	ir, err := c.Initialize(ctx, init)
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Connected to %s %s over stdio (protocol %s): %d tools.\n\n", ir.ServerInfo.Name, ir.ServerInfo.Version, ir.ProtocolVersion, len(list.Tools))

	step := 0
	call := func(name string, args map[string]any, progress bool) (map[string]any, error) {
		step++
		if args == nil {
			args = map[string]any{}
		}
		a, _ := json.Marshal(args)
		mu.Lock()
		fmt.Fprintf(out, "%2d. %s %s\n", step, name, a)
		mu.Unlock()
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		if progress {
			req.Params.Meta = &mcp.Meta{ProgressToken: fmt.Sprintf("demo-%d", step)}
		}
		res, err := c.CallTool(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		text := ""
		if len(res.Content) > 0 {
			if tc, ok := res.Content[0].(mcp.TextContent); ok {
				text = tc.Text
			}
		}
		mu.Lock()
		fmt.Fprintf(out, "    → %s\n", text)
		mu.Unlock()
		if res.IsError {
			return nil, fmt.Errorf("%s failed: %s", name, text)
		}
		sc, _ := res.StructuredContent.(map[string]any)
		return sc, nil
	}

	who, err := call("whoami", nil, false)
	if err != nil {
		return err
	}
	if _, err := call("create_agent", map[string]any{"label": "demo agent"}, false); err != nil {
		return err
	}
	org, err := call("create_org", map[string]any{"name": "Demo Studio", "default_language": "en"}, false)
	if err != nil {
		return err
	}
	if _, err := call("update_org", map[string]any{"org_id": org["id"], "description": "Made by the demo"}, false); err != nil {
		return err
	}
	setup, err := call("setup_payment", nil, false)
	if err != nil {
		return err
	}
	checkout, _ := setup["url"].(string)
	if err := completeCheckout(ctx, checkout); err != nil {
		return err
	}
	fmt.Fprintf(out, "    (the human opens %s and saves the test card)\n", checkout)
	if _, err := call("top_up", map[string]any{"amount_cents": 2000}, false); err != nil {
		return err
	}
	job, err := call("import_brand", map[string]any{"domain": "northwind-traders.com"}, true)
	if err != nil {
		return err
	}
	if _, err := call("confirm_import", map[string]any{"job_id": job["id"], "font_family": "Inter"}, false); err != nil {
		return err
	}
	if _, err := call("list_orgs", nil, false); err != nil {
		return err
	}
	if _, err := call("get_balance", nil, false); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nDone: onboarded, two organizations, funds added and a brand imported, all on the sandbox. No secret was shown.")
	if u, ok := who["console_url"].(string); ok {
		fmt.Fprintf(out, "The sandbox console showed all of it live at %s (it closes with the demo; `myapihq-mcp sandbox` serves one that stays up).\n", u)
	}
	return nil
}

// demoEnv is the demo server's environment: the user's, without any
// MYAPI_* variable (a stale MYAPI_API_KEY or MYAPI_READ_ONLY=1 would break
// or change the demo), with its own config folder and settings.
func demoEnv(environ []string, dir string) []string {
	var env []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "MYAPI_") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"MYAPI_SANDBOX_IMPORT_DELAY=400ms", "MYAPI_LOG_LEVEL=warn")
}

func completeCheckout(ctx context.Context, u string) error {
	if !strings.HasPrefix(u, "http://127.0.0.1:") {
		return fmt.Errorf("unexpected checkout URL %q", u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(url.Values{"card": {"4242424242424242"}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("checkout answered %d", resp.StatusCode)
	}
	return nil
}

// demoHuman answers the server's consent questions as a human would, and shows them.
type demoHuman struct{ out io.Writer }

func (h demoHuman) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	fmt.Fprintf(h.out, "    ? the server asks the human: %q → yes\n", req.Params.Message)
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
		Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
}
