package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRequestLogIsBounded(t *testing.T) {
	t.Parallel()
	l := newRequestLog(10, time.Now)
	for i := range 25 {
		l.add(loggedRequest{Path: fmt.Sprint("/", i)})
	}
	got, _ := l.latest()
	if len(got) != 10 || got[0].Path != "/24" || got[9].Path != "/15" || got[0].Seq != 25 {
		t.Fatalf("latest: %d entries, first %+v, last %+v", len(got), got[0], got[len(got)-1])
	}
	if cap(l.ring) != 10 {
		t.Fatalf("the ring grew to %d", cap(l.ring))
	}
}

func TestRequestLogRecordsWhatTheClientSaw(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	token, key := tt.onboard()
	tt.do("GET", "/hq/orgs", key, nil)
	tt.do("GET", "/hq/billing/balance", token, nil)
	tt.do("GET", "/hq/orgs", "", nil)
	tt.do("GET", "/_sandbox/console", "", nil) // the console's own requests are not logged
	got, _ := tt.s.console.log.latest()
	want := []struct {
		path, cred string
		status     int
	}{{"/hq/orgs", "none", 401}, {"/hq/billing/balance", "jwt", 200}, {"/hq/orgs", "api key", 200}, {"/hq/account/create/key", "jwt", 201}, {"/hq/account/agent/create", "none", 201}}
	if len(got) != len(want) {
		t.Fatalf("%d entries: %+v", len(got), got)
	}
	for i, w := range want {
		e := got[i]
		if e.Path != w.path || e.Cred != w.cred || e.Status != w.status || e.RequestID == "" || e.Method != "GET" && e.Method != "POST" {
			t.Errorf("entry %d: %+v, want %+v", i, e, w)
		}
	}
}

func TestRequestLogShowsInjectedFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		faults Faults
		status int
		fault  string
	}{
		{Faults{P5xx: 1, Seed: 1}, 503, "5xx"},
		{Faults{P429: 1, Seed: 1, RetryAfter: time.Second}, 429, "429"},
		{Faults{PDrop: 1, Seed: 1}, 0, "drop"},
	} {
		tt := newTester(t, Options{Faults: tc.faults})
		_, logged := tt.s.console.log.latest()
		resp, err := http.Post(tt.srv.URL+"/hq/account/agent/create", "application/json", bytes.NewReader(nil))
		if err == nil {
			resp.Body.Close()
		}
		select { // a dropped connection reaches the client before the log entry is written
		case <-logged:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: not logged", tc.fault)
		}
		got, _ := tt.s.console.log.latest()
		if len(got) != 1 || got[0].Status != tc.status || got[0].Fault != tc.fault {
			t.Errorf("%s: %+v", tc.fault, got)
		}
	}
}

// Any handler's requests are logged, and the service stand-ins under
// /_services/<host>/ are named in their own column.
func TestRequestLogNamesTheService(t *testing.T) {
	t.Parallel()
	l := newRequestLog(10, time.Now)
	h := l.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	req := httptest.NewRequest("POST", "/_services/api.mailer.example/v1/send?token=s3cret", nil)
	req.Header.Set("Authorization", "Bearer something-else")
	h.ServeHTTP(httptest.NewRecorder(), req)
	got, _ := l.latest()
	if e := got[0]; e.Service != "api.mailer.example" || e.Status != 202 || e.Path != "/_services/api.mailer.example/v1/send" || e.Cred != "bearer (unknown)" {
		t.Fatalf("%+v", e)
	}
}

func TestRequestLogSignalsChanges(t *testing.T) {
	t.Parallel()
	l := newRequestLog(10, time.Now)
	_, changed := l.latest()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go l.add(loggedRequest{Path: "/x"})
	select {
	case <-changed:
	case <-ctx.Done():
		t.Fatal("no signal")
	}
}
