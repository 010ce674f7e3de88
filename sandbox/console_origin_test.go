package sandbox

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// A web page the user has open may send requests to the loopback sandbox
// (its Host is then the real one): the console's answers are for the
// console's own page, so a foreign Origin, or a cross-site fetch that is not
// a navigation, is refused. A link followed from elsewhere still opens it.
func TestConsoleRefusesOtherSites(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	for _, c := range []struct {
		path   string
		header map[string]string
		want   int
	}{
		{"/events", map[string]string{"Origin": "https://evil.example"}, 403},
		{"/requests", map[string]string{"Origin": "null"}, 403},
		{"/events", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}, 403},
		{"", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}, 403},
		{"", map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, 200},
		{"/events", map[string]string{"Origin": "ORIGIN", "Sec-Fetch-Site": "same-origin"}, 200},
		{"", nil, 200},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", tt.srv.URL+"/_sandbox/console"+c.path, nil)
		for k, v := range c.header {
			if v == "ORIGIN" {
				v = tt.srv.URL
			}
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != c.want {
			t.Errorf("%s with %v: %d, want %d", c.path, c.header, resp.StatusCode, c.want)
		}
		cancel()
		resp.Body.Close()
	}
}

// The stand-ins' request list answers only on loopback, like the console:
// a page that rebinds its own name to 127.0.0.1 must not read it.
func TestServiceCallsRefuseForeignHost(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	for host, want := range map[string]int{"evil.example": 421, "127.0.0.1.nip.io": 421, "localhost": 200} {
		req, _ := http.NewRequest("GET", tt.srv.URL+"/_sandbox/service-calls", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

// Each live stream renders the page on every change: a local process
// opening streams by the hundred must not multiply that without bound.
func TestConsoleStreamsAreBounded(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	open := func() (*http.Response, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", tt.srv.URL+"/_sandbox/console/events", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp, func() { cancel(); resp.Body.Close() }
	}
	var closers []context.CancelFunc
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for range maxConsoleStreams {
		resp, done := open()
		closers = append(closers, done)
		if resp.StatusCode != 200 {
			t.Fatalf("stream %d: %d", len(closers), resp.StatusCode)
		}
	}
	resp, done := open()
	done()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("stream %d past the bound: %d", maxConsoleStreams+1, resp.StatusCode)
	}
	closers[0]()
	for { // the freed slot is taken again once the server sees the close
		resp, done := open()
		if resp.StatusCode == 200 {
			done()
			return
		}
		done()
		time.Sleep(10 * time.Millisecond)
	}
}
