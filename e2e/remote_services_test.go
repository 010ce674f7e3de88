package e2e

// The services door in the multi-tenant mode: each request's own key goes
// to the stand-ins (injected by whichever replica serves it, never stored,
// never returned), each write is charged to its own tenant, and a revoked
// key is a 401 with a next step.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/sandbox"
)

// fund gives a tenant a card and a balance, directly on the sandbox.
func (c *cluster) fund(tn tenant, cents int64) {
	c.t.Helper()
	ctx := context.Background()
	kc, _ := hqclient.New(hqclient.Options{BaseURL: c.sandbox, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{PIN: tn.pin, APIKey: tn.key})})
	setup, err := kc.SetupPayment(ctx)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := sandbox.CompleteCheckout(ctx, http.DefaultClient, setup.Data.URL); err != nil {
		c.t.Fatal(err)
	}
	if _, err := kc.TopUp(ctx, cents); err != nil {
		c.t.Fatal(err)
	}
}

// structured is a result's structured content as a map.
func structured(res *mcp.CallToolResult) map[string]any {
	b, _ := json.Marshal(res.StructuredContent)
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

func servicesAcrossTheCluster(t *testing.T, c *cluster, alice, bob tenant, seen *syncBuffer, secrets *[]string) {
	c.fund(alice, 100)
	c.fund(bob, 100)
	// Each tenant writes on its own path, so the stand-in's log and the
	// billing histories tell whose key came with each call.
	for _, tn := range []struct {
		name string
		t    tenant
	}{{"alice", alice}, {"bob", bob}} {
		cl := remoteClient(t, c.lbURL, tn.t, false, client.WithElicitationHandler(&confirmYes{}))
		tools, err := cl.ListTools(context.Background(), mcp.ListToolsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		offered := map[string]bool{}
		for _, tool := range tools.Tools {
			offered[tool.Name] = true
		}
		for _, want := range []string{"list_services", "get_service_docs", "service_get", "service_write"} {
			if !offered[want] {
				t.Fatalf("%s not offered in the multi-tenant mode", want)
			}
		}
		res, _ := mustCall(t, cl, "create_org", map[string]any{"name": tn.name + " services org"})
		org, _ := structured(res)["id"].(string)
		// several calls: round robin spreads them over the replicas
		for i := 0; i < 3; i++ {
			res, txt := mustCall(t, cl, "service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/" + tn.name + "-read",
				"query": map[string]any{"org_id": org}})
			seen.Write([]byte(txt))
			if got := structured(res); got["account_id"] != tn.t.accountID || got["org_id"] != org {
				t.Errorf("%s's service_get answered for %v / %v", tn.name, got["account_id"], got["org_id"])
			}
		}
		// The stand-in echoes the body: the tenant's own PIN sent in it comes back masked.
		res, txt := mustCall(t, cl, "service_write", map[string]any{"service": "myemailapi.com", "method": "POST",
			"path": "/v1/" + tn.name + "-write", "body": map[string]any{"org_id": org, "note": "pin " + tn.t.pin}})
		b, _ := json.Marshal(res.StructuredContent)
		seen.Write(append(b, txt...))
		if got := structured(res); got["account_id"] != tn.t.accountID {
			t.Errorf("%s's service_write answered for %v", tn.name, got["account_id"])
		}
		if !strings.Contains(string(b)+txt, mask.Display(mask.PIN, tn.t.pin)) { // the one masker's rule, hub and services alike
			t.Errorf("the echoed PIN was not masked: %s %s", b, txt)
		}
		_, hist := mustCall(t, cl, "get_billing_history", nil)
		other := "bob"
		if tn.name == "bob" {
			other = "alice"
		}
		if !strings.Contains(hist, "myemailapi.com POST /v1/"+tn.name+"-write") || strings.Contains(hist, "/v1/"+other+"-write") {
			t.Errorf("%s's billing history: %s", tn.name, hist)
		}
		seen.Write([]byte(hist))
		// A legacy-era client cannot be asked through a stateless cluster.
		legacy := remoteClient(t, c.lbURL, tn.t, true, client.WithElicitationHandler(&confirmYes{}))
		res, txt, err = call(legacy, "service_write", map[string]any{"service": "myemailapi.com", "method": "POST", "path": "/v1/legacy"})
		if err != nil || !res.IsError || !strings.Contains(txt, "2026-07-28") {
			t.Errorf("legacy service_write: err=%v %s", err, txt)
		}
	}
	byPath := map[string][]serviceCallRow{}
	for _, r := range serviceCalls(t, c.sandbox) {
		byPath[r.Method+" "+r.Path] = append(byPath[r.Method+" "+r.Path], r)
	}
	for _, tn := range []struct {
		name string
		t    tenant
	}{{"alice", alice}, {"bob", bob}} {
		reads, writes := byPath["GET /v1/"+tn.name+"-read"], byPath["POST /v1/"+tn.name+"-write"]
		if len(reads) != 3 || len(writes) != 1 {
			t.Errorf("%s: the stand-in saw %d reads and %d writes, want 3 and 1", tn.name, len(reads), len(writes))
		}
		for _, r := range append(reads, writes...) {
			if r.AccountID != tn.t.accountID || r.Status != http.StatusOK {
				t.Errorf("%s's call %s %s reached the stand-in as account %q (status %d)", tn.name, r.Method, r.Path, r.AccountID, r.Status)
			}
		}
	}
	if len(byPath["POST /v1/legacy"]) != 0 {
		t.Error("a legacy client's service_write reached the stand-in")
	}

	// Docs come from a memory cache (the replica's cache folder cannot be
	// made, as on a read-only root filesystem).
	r2 := fmt.Sprintf("http://127.0.0.1:%d/mcp", c.replicas[1].port)
	direct := remoteClient(t, r2, alice, false)
	mustCall(t, direct, "get_service_docs", map[string]any{"service": "mydomainapi.com"})
	res, txt := mustCall(t, direct, "get_service_docs", map[string]any{"service": "mydomainapi.com"})
	if src := structured(res)["source"]; src != "cache" || !strings.Contains(txt, "stand-in") {
		t.Errorf("second docs read on one replica: source %v", src)
	}
	rr := mcp.ReadResourceRequest{}
	rr.Params.URI = "myapihq://services/myemailapi.com/llms.txt"
	if got, err := direct.ReadResource(context.Background(), rr); err != nil || !strings.Contains(got.Contents[0].(mcp.TextResourceContents).Text, "myemailapi.com") {
		t.Errorf("docs resource: %v %v", got, err)
	}

	// A key revoked while this replica still trusts it: the stand-in's 401,
	// with a next step for this mode; a replica that checks it anew answers 401.
	ctx := context.Background()
	kc, _ := hqclient.New(hqclient.Options{BaseURL: c.sandbox, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{PIN: alice.pin})})
	k2, err := kc.CreateKey(ctx, hqclient.CreateKeyRequest{Name: "to revoke"})
	if err != nil {
		t.Fatal(err)
	}
	*secrets = append(*secrets, k2.Data.APIKey)
	short := tenant{accountID: alice.accountID, key: k2.Data.APIKey}
	cl := remoteClient(t, r2, short, false)
	mustCall(t, cl, "service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/before-revoke"})
	if _, err := kc.RevokeKey(ctx, k2.Data.ID); err != nil {
		t.Fatal(err)
	}
	res, txt, err = call(cl, "service_get", map[string]any{"service": "mydomainapi.com", "path": "/v1/after-revoke"})
	seen.Write([]byte(txt))
	if err != nil || !res.IsError || !strings.Contains(txt, "401") || !strings.Contains(txt, "your host sends") {
		t.Errorf("revoked key: err=%v %s", err, txt)
	}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("http://127.0.0.1:%d/mcp", c.replicas[2].port),
		strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Authorization", "Bearer "+k2.Data.APIKey)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked key on another replica: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
