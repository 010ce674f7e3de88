package app

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "0123456789abcdef0123456789abcdef"

// echo is the stand-in for the MCP handler: it reports the body it got.
func echo(calls *atomic.Int32) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%d", len(b))
	})
}

func TestHTTPGuardTokenAndOrigin(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := guard(echo(&calls), HTTPConfig{Token: testToken, AllowedOrigins: []string{"https://app.example.com/"}})
	cases := []struct {
		auth, origin string
		want         int
	}{
		{"", "", 401},
		{"Bearer wrong", "", 401},
		{"Bearer " + testToken[:31], "", 401},
		{"bearer " + testToken, "", 401},
		{"Bearer " + testToken, "", 200},
		{"Bearer " + testToken, "http://localhost:5173", 200},
		{"Bearer " + testToken, "http://[::1]:1", 200},
		{"Bearer " + testToken, "https://app.example.com", 200},
		{"Bearer " + testToken, "https://evil.example.com", 403},
		{"Bearer " + testToken, "http://127.0.0.1.evil.example", 403},
		{"Bearer " + testToken, "null", 403},
		{"", "https://evil.example.com", 403},
	}
	for _, c := range cases {
		req := httptest.NewRequest("POST", "/mcp", strings.NewReader("{}"))
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		if c.origin != "" {
			req.Header.Set("Origin", c.origin)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Fatalf("auth %q origin %q: %d, want %d", c.auth, c.origin, rec.Code, c.want)
		}
	}
	if calls.Load() != 4 {
		t.Fatalf("handler ran %d times, want 4", calls.Load())
	}
}

func TestHTTPListenRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		hc   HTTPConfig
		want string // "" = allowed; else part of the error
	}{
		{HTTPConfig{Addr: "127.0.0.1:0"}, ""},
		{HTTPConfig{Addr: "[::1]:0"}, ""},
		{HTTPConfig{Addr: "localhost:0", Token: testToken}, ""},
		{HTTPConfig{Addr: "127.0.0.1:0", Token: "a"}, "at least 32"},
		{HTTPConfig{Addr: "127.0.0.1:0", Token: testToken[:31]}, "at least 32"},
		{HTTPConfig{Addr: "0.0.0.0:0", Token: testToken}, "--allow-remote"},
		{HTTPConfig{Addr: ":8080", Token: testToken}, "--allow-remote"},
		{HTTPConfig{Addr: "[::]:0", Token: testToken}, "--allow-remote"},
		{HTTPConfig{Addr: "0.0.0.0:0", AllowRemote: true}, "MYAPI_HTTP_TOKEN"},
		{HTTPConfig{Addr: "0.0.0.0:0", AllowRemote: true, Token: "short"}, "at least 32"},
		{HTTPConfig{Addr: "0.0.0.0:0", AllowRemote: true, Token: testToken}, ""},
	} {
		err := checkListen(c.hc)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Fatalf("%+v: %v, want %q", c.hc, err, c.want)
		}
		if err != nil && len(c.hc.Token) > 4 && strings.Contains(err.Error(), c.hc.Token) {
			t.Fatalf("the error shows the token: %v", err)
		}
	}
	u, note := displayURL(&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080})
	if u != "http://127.0.0.1:8080" || note == "" {
		t.Fatalf("display of [::]: %s %s", u, note)
	}
}

func TestHTTPBodyCap(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(guard(echo(&calls), HTTPConfig{}))
	t.Cleanup(srv.Close)
	post := func(body io.Reader, size int64) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", srv.URL+"/mcp", body)
		req.ContentLength = size
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	over := int64(MaxHTTPBody + 1)
	for _, size := range []int64{over, -1} { // declared, and chunked (no length)
		resp, b := post(io.LimitReader(zeros{}, over), size)
		var rpc struct {
			JSONRPC string             `json:"jsonrpc"`
			Error   struct{ Code int } `json:"error"`
		}
		if resp.StatusCode != 413 || json.Unmarshal(b, &rpc) != nil || rpc.JSONRPC != "2.0" || rpc.Error.Code != -32600 {
			t.Fatalf("size %d: %d %s", size, resp.StatusCode, b)
		}
	}
	if resp, b := post(io.LimitReader(zeros{}, MaxHTTPBody), MaxHTTPBody); resp.StatusCode != 200 || string(b) != fmt.Sprint(MaxHTTPBody) {
		t.Fatalf("a body at the cap: %d %s", resp.StatusCode, b)
	}
	if calls.Load() != 1 {
		t.Fatalf("handler ran %d times, want 1", calls.Load())
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

// TestHTTPTrickledBodyIsCut: a body that dribbles in is cut at the body
// deadline, while an answer streamed after a prompt body outlives it.
func TestHTTPTrickledBodyIsCut(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < 4; i++ { // lasts 4×timeout/2: past the body deadline
			fmt.Fprintf(w, "data: %d\n\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(timeout / 2)
		}
	})
	srv := httptest.NewServer(guard(stream, HTTPConfig{BodyTimeout: timeout}))
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	start := time.Now()
	done := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(conn) // ends when the server closes
		done <- string(b)
	}()
	tick := time.NewTicker(timeout / 3)
	defer tick.Stop()
	giveUp := time.After(20 * timeout)
	for {
		select {
		case got := <-done:
			if took := time.Since(start); took > 5*timeout || !strings.Contains(got, " 408 ") {
				t.Fatalf("after %v: %q", took, got)
			}
			goto streamed
		case <-tick.C:
			conn.Write([]byte(" ")) //nolint:errcheck // the server may have closed it
		case <-giveUp:
			t.Fatal("a trickled body kept the connection open")
		}
	}
streamed:
	resp, err := http.Post(srv.URL+"/mcp", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n := 0
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "data: ") {
			n++
		}
	}
	if n != 4 {
		t.Fatalf("the stream was cut after %d events", n)
	}
}
