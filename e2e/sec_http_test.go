package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const secToken = "sec-e2e-token-0123456789abcdef0123456789"

// TestHTTPBodyCapOnTheBinary: a body over 4 MiB is refused with 413 and a
// JSON-RPC error, whether its length is declared or it comes chunked.
func TestHTTPBodyCapOnTheBinary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := startHTTP(t, e, "--http-token", secToken)
	for _, size := range []int64{5 << 20, -1} {
		req, _ := http.NewRequest("POST", u, io.LimitReader(spaces{}, 5<<20))
		req.ContentLength = size
		req.Header.Set("Authorization", "Bearer "+secToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var rpc struct {
			JSONRPC string             `json:"jsonrpc"`
			Error   struct{ Code int } `json:"error"`
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal(b, &rpc) != nil || rpc.JSONRPC != "2.0" || rpc.Error.Code != -32600 {
			t.Fatalf("size %d: %d %s", size, resp.StatusCode, b)
		}
	}
}

type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestHTTPTrickledBodyIsCutOnTheBinary: a body sent a byte every 5 s is cut
// off by the body deadline (10 s) instead of holding the connection.
func TestHTTPTrickledBodyIsCutOnTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 10 s body deadline")
	}
	t.Parallel()
	e := newEnv(t)
	raw := startHTTP(t, e, "--http-token", secToken)
	pu, _ := url.Parse(raw)
	conn, err := net.Dial("tcp", pu.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", pu.Host, secToken)
	start := time.Now()
	done := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(conn)
		done <- string(b)
	}()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	giveUp := time.After(40 * time.Second)
	for {
		select {
		case got := <-done:
			if took := time.Since(start); took > 20*time.Second || !strings.Contains(got, " 408 ") {
				t.Fatalf("after %v: %q", took, got)
			}
			return
		case <-tick.C:
			conn.Write([]byte(" ")) //nolint:errcheck // the server may have closed it
		case <-giveUp:
			t.Fatal("a body trickled at 1 byte / 5 s held the connection for 40 s")
		}
	}
}

// TestHTTPShortTokenRefusedOnTheBinary: a guessable token is refused at start.
func TestHTTPShortTokenRefusedOnTheBinary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out, errs, code := cli(t, e, append([]string{"http", "--addr", "127.0.0.1:0", "--http-token", "a"}, e.sandboxArgs()...)...)
	if code == 0 || !strings.Contains(errs, "at least 32") {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
}
