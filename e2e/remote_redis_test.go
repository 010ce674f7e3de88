package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestRemoteRedisNeedsItsPassword: the Redis the manifests ship (run here
// with their ACL) answers nothing without the password, and even with it
// refuses what the server never sends (FLUSHALL, CONFIG, keys outside its
// prefix); a replica with a wrong password is not ready, one with the
// right one is; and no password, right or wrong, is ever printed by the
// server, not even for a URL it refuses.
func TestRemoteRedisNeedsItsPassword(t *testing.T) {
	t.Parallel()
	needTools(t)
	c := &cluster{t: t}
	url := c.startRedis()
	addr := strings.TrimSuffix(url[strings.LastIndex(url, "@")+1:], "/0")

	// Straight to Redis, as another pod of the cluster would.
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rd := bufio.NewReader(conn)
	send := func(args ...string) string {
		fmt.Fprintf(conn, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(conn, "$%d\r\n%s\r\n", len(a), a)
		}
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		line, _ := rd.ReadString('\n')
		return strings.TrimSpace(line)
	}
	for _, cmd := range [][]string{{"PING"}, {"SET", "myapihq:nonce:x", "1"}, {"FLUSHALL"}} {
		if got := send(cmd...); !strings.HasPrefix(got, "-NOAUTH") {
			t.Errorf("%v without a password: %q", cmd, got)
		}
	}
	if got := send("AUTH", "default", ""); !strings.HasPrefix(got, "-WRONGPASS") {
		t.Errorf("the default user: %q", got)
	}
	if got := send("AUTH", "myapihq-mcp", "guess"); !strings.HasPrefix(got, "-WRONGPASS") {
		t.Errorf("a wrong password: %q", got)
	}
	if got := send("AUTH", "myapihq-mcp", c.redisPW); got != "+OK" {
		t.Fatalf("the password: %q", got)
	}
	for _, cmd := range [][]string{{"FLUSHALL"}, {"KEYS", "*"}, {"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}, {"SET", "other", "1"}} {
		if got := send(cmd...); !strings.HasPrefix(got, "-NOPERM") {
			t.Errorf("%v with the password: %q, want NOPERM", cmd, got)
		}
	}
	if got := send("SET", "myapihq:nonce:x", "1", "NX", "EX", "60"); got != "+OK" {
		t.Errorf("a key of the server's: %q", got)
	}

	// Replicas: ready with the password only; neither password is printed.
	wrong := strings.Replace(url, c.redisPW, "wrong"+c.redisPW[5:], 1)
	for _, tc := range []struct {
		url   string
		ready bool
	}{{wrong, false}, {url, true}} {
		port := freePort(t)
		cmd := exec.Command(binary, "http", "--multi-tenant", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--base-url", "http://127.0.0.1:9")
		cmd.Env = append(cmd.Environ(), "GORACE=atexit_sleep_ms=0", "MYAPI_STATE_KEY=e2e-cluster-state-key-0123456789abcdef", "MYAPI_REDIS_URL="+tc.url)
		log := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		base := fmt.Sprintf("http://127.0.0.1:%d", port)
		waitFor(t, 20*time.Second, "the replica listening", func() bool { return httpOK(base + "/healthz") })
		var status int
		var body []byte
		waitFor(t, 10*time.Second, "its readiness settling", func() bool {
			res, err := http.Get(base + "/readyz")
			if err != nil {
				return false
			}
			body, _ = io.ReadAll(res.Body)
			res.Body.Close()
			status = res.StatusCode
			return (status == http.StatusOK) == tc.ready
		})
		cmd.Process.Kill()
		cmd.Wait()
		for _, pw := range []string{c.redisPW, c.redisPW[5:]} {
			if strings.Contains(string(body)+log.String(), pw) {
				t.Errorf("a Redis password in /readyz or the log (ready %v): %s\n%s", tc.ready, body, log)
			}
		}
		if !tc.ready && !strings.Contains(string(body), "WRONGPASS") {
			t.Errorf("/readyz with a wrong password: %d %s", status, body)
		}
	}

	// A URL refused at start is not echoed either; the Secret's placeholder
	// is public, so a replica does not start with it.
	placeholder := strings.Replace(url, c.redisPW, "REPLACE-WITH-another-openssl-rand-hex-32", 1)
	for _, tc := range []struct{ url, want string }{
		{"redis://myapihq-mcp:s3cretpw99@127.0.0.1:notaport/0", ""},
		{"redis://myapihq-mcp:s3cretpw99@127.0.0.1:6379/db", ""},
		{"http://myapihq-mcp:s3cretpw99@127.0.0.1:6379/0", ""},
		{placeholder, "placeholder"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		cmd := exec.CommandContext(ctx, binary, "http", "--multi-tenant", "--addr", "127.0.0.1:0", "--base-url", "http://127.0.0.1:9")
		cmd.Env = append(cmd.Environ(), "GORACE=atexit_sleep_ms=0", "MYAPI_STATE_KEY=e2e-cluster-state-key-0123456789abcdef", "MYAPI_REDIS_URL="+tc.url)
		out, err := cmd.CombinedOutput()
		timedOut := ctx.Err() != nil
		cancel()
		if err == nil || timedOut || strings.Contains(string(out), "s3cretpw99") || !strings.Contains(string(out), tc.want) {
			t.Errorf("MYAPI_REDIS_URL=%s: %v (a replica must refuse to start), printed: %s", tc.url, err, out)
		}
	}

	// A Redis elsewhere without a password is warned about at start.
	port := freePort(t)
	cmd := exec.Command(binary, "http", "--multi-tenant", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--base-url", "http://127.0.0.1:9")
	cmd.Env = append(cmd.Environ(), "GORACE=atexit_sleep_ms=0", "MYAPI_STATE_KEY=e2e-cluster-state-key-0123456789abcdef",
		"MYAPI_REDIS_URL=redis://192.0.2.1:6379/0") // TEST-NET-1: never answers, and the client dials lazily
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the replica listening", func() bool { return httpOK(fmt.Sprintf("http://127.0.0.1:%d/healthz", port)) })
	cmd.Process.Kill()
	cmd.Wait()
	if !strings.Contains(log.String(), "MYAPI_REDIS_URL has no password") {
		t.Errorf("no warning for a Redis without a password:\n%s", log)
	}
}
