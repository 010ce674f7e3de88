package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/redis/go-redis/v9"

	"github.com/myapihq/myapihq-mcp/internal/humantest"
)

// The human's side of the multi-tenant mode (a step of TestRemoteCluster):
// the checkout by URL in the modern era, its question asked by one replica
// and answered on another (the state key is shared), another tenant's
// answer refused; and each tenant's audit trail, in Redis with a TTL, in
// the structured log, and as myapihq://audit showing only its own.
func remoteCheckoutAndAudit(t *testing.T, c *cluster, other tenant, seen *syncBuffer) {
	carol := c.onboard("carol") // no card yet
	// Each request to the next replica in turn: the answer never lands
	// where the question was asked.
	var n atomic.Int32
	alternate := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r.URL.Host = fmt.Sprintf("127.0.0.1:%d", c.replicas[int(n.Add(1))%2].port)
		return http.DefaultTransport.RoundTrip(r)
	})}
	human := &humantest.Human{}
	cl := remoteClientVia(t, c.lbURL, carol, alternate, client.WithElicitationHandler(human),
		client.WithClientCapabilities(mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{Form: &struct{}{}, URL: &struct{}{}}}))
	ctx := context.Background()

	res, txt := mustCall(t, cl, "setup_payment", nil)
	seen.Write([]byte(txt))
	waitHuman(t, human)
	if structured(res)["has_payment_method"] != true || len(urlAsks(human.Seen())) != 1 {
		t.Fatalf("setup_payment across replicas: %s (asked %+v)", txt, human.Seen())
	}
	_, txt = mustCall(t, cl, "top_up", map[string]any{"amount_cents": 300})
	seen.Write([]byte(txt))

	// Carol's question, answered with another tenant's key: refused.
	caps := map[string]any{"url": map[string]any{}}
	state := asked(t, "carol's checkout", rawModern(t, c.lbURL, carol.headers(), "setup_payment", map[string]any{}, "", nil, caps))
	stolen := rawModern(t, c.lbURL, other.headers(), "setup_payment", map[string]any{}, state,
		map[string]any{"checkout": map[string]any{"action": "accept"}}, caps)
	// The state is bound to the tenant asked, so it does not even open for
	// another (its elicitation id, bound to the account, is the second lock).
	if stolen["isError"] != true || !strings.Contains(resultText(stolen), "not for a checkout this server asked for") {
		t.Fatalf("another tenant's answer: %v", stolen)
	}

	// A 2025-11-25 client that declares URL mode, on a cluster that does not
	// pin sessions: its answer could reach another replica, so it is not
	// asked; it gets the link.
	asker := &humantest.Human{}
	legacy := remoteClient(t, c.lbURL, other, true, client.WithElicitationHandler(asker),
		client.WithClientCapabilities(mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{Form: &struct{}{}, URL: &struct{}{}}}))
	if _, txt := mustCall(t, legacy, "setup_payment", nil); !strings.Contains(txt, "Ask the human to open") || len(asker.Seen()) != 0 {
		t.Fatalf("a legacy client on an unpinned cluster: %s (asked %+v)", txt, asker.Seen())
	}

	hash := func(tn tenant) string {
		sum := sha256.Sum256([]byte(tn.key))
		return hex.EncodeToString(sum[:])
	}
	_, mine := readAudit(t, cl)
	if top, found := findEntry(mine, "top_up", "done"); !found || top.Tenant != hash(carol) || top.Consent != "elicitation_accepted" ||
		top.AmountCents != 300 || top.Profile != "" {
		t.Fatalf("carol's trail: %+v", mine)
	}
	// The legacy client's top_up cannot be asked about here: refused, and
	// in its own tenant's trail.
	if res, txt, err := call(legacy, "top_up", map[string]any{"amount_cents": 100}); err != nil || !res.IsError {
		t.Fatalf("a legacy top_up on an unpinned cluster: %v %s", err, txt)
	}
	_, theirs := readAudit(t, remoteClient(t, c.lbURL, other, false))
	for _, e := range theirs {
		if e.Tenant != hash(other) {
			t.Fatalf("another tenant's trail shows %+v", e)
		}
	}
	if e, found := findEntry(theirs, "top_up", "refused"); !found || e.Consent != "no_elicitation" {
		t.Fatalf("the legacy refusal is not in its tenant's trail: %+v", theirs)
	}
	opt, err := redis.ParseURL(c.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	defer rc.Close()
	// As the server's own user (the manifest's ACL: no TTL command; the
	// TTL is audit's TestRedisPerTenant): the entry is carol's list.
	lines, err := rc.LRange(ctx, "myapihq:audit:"+hash(carol), 0, -1).Result()
	if err != nil || len(lines) < 1 || !strings.Contains(strings.Join(lines, "\n"), `"tool":"top_up"`) {
		t.Fatalf("carol's trail in Redis: %v, %v", lines, err)
	}
	waitFor(t, 5*time.Second, "the audit event in the replicas' log", func() bool {
		logs := c.logs()
		return strings.Contains(logs, `"event":"audit"`) && strings.Contains(logs, hash(carol))
	})
}
