package sandbox

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServiceStandIns: the key checked as the hub checks it, org_id
// ownership, a 1-cent usage charge per write (402 without balance, not
// charged twice for a replay), docs for every host, and a request log
// that never holds the key.
func TestServiceStandIns(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	token, key := tt.onboard()
	_, otherKey := tt.onboard()

	for _, h := range ServiceHosts {
		resp, err := http.Get(tt.srv.URL + "/_services/" + h + "/llms.txt")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), h) && h != "myapihq.com" {
			t.Fatalf("%s docs: %d %s", h, resp.StatusCode, b)
		}
		if h == "myapihq.com" && (!strings.Contains(string(b), "POST /hq/orgs") || !strings.Contains(string(b), "Base URL: "+tt.srv.URL)) {
			t.Fatalf("hub docs do not list the routes:\n%s", b)
		}
	}
	if st, _ := tt.do("GET", "/_services/evil.com/x", key, nil); st != 404 {
		t.Fatalf("unknown host: %d", st)
	}
	if st, _ := tt.do("GET", "/_services/mydomainapi.com/v1/x", "", nil); st != 401 {
		t.Fatalf("no key: %d", st)
	}
	if st, _ := tt.do("GET", "/_services/mydomainapi.com/v1/x", token, nil); st != 401 {
		t.Fatalf("a JWT instead of the key: %d", st)
	}
	st, org := tt.do("POST", "/hq/orgs", key, map[string]any{"name": "Mine"})
	if st != 201 {
		t.Fatalf("org: %d %v", st, org)
	}
	orgID := org["id"].(string)
	st, got := tt.do("GET", "/_services/mydomainapi.com/v1/x?org_id="+orgID, key, nil)
	if st != 200 || got["sandbox"] != true || got["org_id"] != orgID || got["path"] != "/v1/x" {
		t.Fatalf("read: %d %v", st, got)
	}
	if st, _ := tt.do("GET", "/_services/mydomainapi.com/v1/x?org_id="+orgID, otherKey, nil); st != 403 {
		t.Fatalf("another workspace's org: %d", st)
	}
	if st, _ := tt.do("POST", "/_services/mydomainapi.com/v1/x", key, map[string]any{"org_id": orgID}); st != 402 {
		t.Fatalf("a write without balance: %d", st)
	}
	tt.do("POST", "/hq/billing/setup-payment/confirm", token, map[string]any{"payment_method_id": "pm_card_visa"})
	if st, b := tt.do("POST", "/hq/billing/topup", token, map[string]any{"amount_cents": 100}); st != 200 {
		t.Fatalf("topup: %d %v", st, b)
	}
	for i := 0; i < 2; i++ { // the same Idempotency-Key twice: one charge
		req, _ := http.NewRequest("POST", tt.srv.URL+"/_services/myemailapi.com/v1/send", strings.NewReader(`{"org_id":"`+orgID+`"}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Idempotency-Key", "same-call")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("write %d: %v %v", i, err, resp)
		}
		resp.Body.Close()
	}
	_, bal := tt.do("GET", "/hq/billing/balance", token, nil)
	if bal["balance_cents"] != float64(99) {
		t.Fatalf("balance after one charged write: %v", bal)
	}
	_, hist := tt.do("GET", "/hq/billing/history", token, nil)
	if ev := hist["items"].([]any)[0].(map[string]any); ev["type"] != "charge" || !strings.HasPrefix(ev["description"].(string), "Usage: myemailapi.com POST /v1/send") {
		t.Fatalf("history: %v", ev)
	}

	resp, err := http.Get(tt.srv.URL + "/_sandbox/service-calls")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(b), key) || strings.Contains(string(b), token) || !strings.Contains(string(b), `"status":402`) ||
		!strings.Contains(string(b), `"path":"/llms.txt"`) || !strings.Contains(string(b), `"org_id":"`+orgID+`"`) {
		t.Fatalf("service-calls:\n%s", b)
	}
}
