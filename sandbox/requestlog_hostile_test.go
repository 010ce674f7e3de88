package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// A browser tab can send the loopback sandbox any number of requests with
// paths near the server's 1 MB header limit (a cross-site GET needs no
// CORS): the log must stay small per entry, or 1,000 of them hold a gigabyte.
func TestRequestLogClipsHugeRequests(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	long := "/" + strings.Repeat("a", 200_000)
	for _, p := range []string{long, long, "/_services" + long} {
		resp, err := http.Get(tt.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	req, _ := http.NewRequest(strings.Repeat("M", 100_000), tt.srv.URL+"/x", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	rows := tt.list("/_sandbox/console/requests")
	if len(rows) < 4 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		p, m, svc := r["path"].(string), r["method"].(string), r["service"]
		if s, _ := svc.(string); len(p) > maxLoggedField+8 || len(m) > maxLoggedField+8 || len(s) > maxLoggedField+8 {
			t.Fatalf("a logged request keeps %d bytes of path, %d of method, %d of service", len(p), len(m), len(s))
		}
	}
	if p := rows[len(rows)-1]["path"].(string); !strings.HasPrefix(p, "/aaaa") || !strings.HasSuffix(p, "…") {
		t.Fatalf("clipped path %.40q", p)
	}
}

// The stand-ins' own list (/_sandbox/service-calls, 10,000 entries) takes
// requests without a key too: each entry must stay small as well.
func TestServiceCallsClipHugeRequests(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	_, key := tt.onboard()
	long := strings.Repeat("b", 200_000)
	tt.do("GET", "/_services/mydomainapi.com/"+long, "", nil)
	tt.do("GET", "/_services/mydomainapi.com/x?org_id="+long, key, nil)
	req, _ := http.NewRequest(strings.Repeat("M", 100_000), tt.srv.URL+"/_services/mydomainapi.com/x", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	rows := tt.list("/_sandbox/service-calls")
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		for _, f := range []string{"path", "method", "org_id"} {
			if s, _ := r[f].(string); len(s) > maxLoggedField+8 {
				t.Fatalf("a stand-in call keeps %d bytes of %s", len(s), f)
			}
		}
	}
}

// list reads one of the sandbox's JSON lists (its request log, the
// stand-ins' calls).
func (tt *tester) list(path string) []map[string]any {
	tt.t.Helper()
	resp, err := http.Get(tt.srv.URL + path)
	if err != nil {
		tt.t.Fatal(err)
	}
	defer resp.Body.Close()
	var rows []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil {
		tt.t.Fatal(err)
	}
	return rows
}
