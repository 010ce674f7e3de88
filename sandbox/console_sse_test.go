package sandbox

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
)

// sseEvents parses a stream as a browser's EventSource does: lines end at
// CRLF, LF or a lone CR; a blank line dispatches.
func sseEvents(t *testing.T, r *bufio.Reader, until func(typ, data string) bool) {
	t.Helper()
	var typ string
	var data []string
	var line strings.Builder
	flush := func() bool {
		s := line.String()
		line.Reset()
		if s == "" {
			stop := len(data) > 0 && until(map[bool]string{true: "message", false: typ}[typ == ""], strings.Join(data, "\n"))
			typ, data = "", nil
			return stop
		}
		k, v, _ := strings.Cut(s, ":")
		v = strings.TrimPrefix(v, " ")
		switch k {
		case "event":
			typ = v
		case "data":
			data = append(data, v)
		}
		return false
	}
	for {
		c, err := r.ReadByte()
		if err != nil {
			t.Fatalf("event stream: %v", err)
		}
		switch c {
		case '\r':
			if n, _ := r.Peek(1); len(n) == 1 && n[0] == '\n' {
				r.ReadByte() //nolint:errcheck
			}
			if flush() {
				return
			}
		case '\n':
			if flush() {
				return
			}
		default:
			line.WriteByte(c)
		}
	}
}

// Whatever a model or website writes into the sandbox, a browser reading the
// live stream sees one whole page per event: a carriage return in a value
// must not end a data line, dispatch half a page, or start a forged one.
func TestConsoleStreamCannotBeSplit(t *testing.T) {
	t.Parallel()
	tt := newTester(t, Options{})
	_, key := tt.onboard()
	forge := "x\r\revent: page\rdata: FORGED"
	code, o := tt.do("POST", "/hq/orgs", key, map[string]any{"name": "org " + forge, "description": forge})
	if code != 201 {
		t.Fatalf("org: %d %v", code, o)
	}
	tt.do("POST", "/hq/orgs/"+o["id"].(string)+"/webhooks", key, map[string]any{"url": "http://127.0.0.1:9/" + "?q=" + forge, "name": forge})
	tt.do("GET", "/_services/mydomainapi.com/%0D%0Devent:%20page%0Ddata:%20FORGED", key, nil)
	// Ids are the sandbox's own and shown as they are: only a tampered
	// state file holds one like this, but the stream must not split on it.
	if _, err := tt.s.st.db.Exec(`UPDATE orgs SET id = id || ?`, forge); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", tt.srv.URL+"/_sandbox/console/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sseEvents(t, bufio.NewReader(resp.Body), func(typ, data string) bool {
		if strings.HasPrefix(data, "FORGED") || !strings.Contains(data, "Request log") {
			t.Fatalf("a %s event of %d bytes was cut from the page: %.80q", typ, len(data), data)
		}
		return true
	})
}
