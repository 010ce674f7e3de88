package e2e

// The remote mode's proving ground: replicas of the built binary behind a
// real haproxy (round robin, no stickiness), a real redis-server, and one
// standalone sandbox reached through a proxy that counts what it passes
// and can commit a write, then drop its answer.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// freePort is a loopback port nobody listens on (now).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond every 50 ms for up to d: a test waits on a condition,
// never on a fixed sleep.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpOK(u string) bool {
	res, err := http.Get(u)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

type replica struct {
	name string
	port int
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{} // closed when it exits, with err set
	err  error
}

type cluster struct {
	t        *testing.T
	hqURL    string // the dropping proxy in front of the sandbox
	sandbox  string
	lbURL    string
	statsURL string
	redisURL string // with the password: passed in MYAPI_REDIS_URL, as the manifests do
	redisPW  string
	redis    *exec.Cmd
	// How redis-server runs (restartRedis), and its operator's password.
	redisAddr, redisOpPW string
	redisArgs            []string
	lbPort               int // haproxy's, chosen first: replicas may need their public URL
	replicas             []*replica
	dropOrgs             atomic.Bool // POST /hq/orgs commits, then the answer is lost
	hq                   hqLog       // what the proxy passed to the HQ
}

// hqLog is every request the proxy passed to the HQ: method, path and
// bearer (kept in the test's memory only).
type hqLog struct {
	mu   sync.Mutex
	seen []hqRequest
}

type hqRequest struct{ method, path, bearer string }

func (l *hqLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, hqRequest{r.Method, r.URL.Path, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")})
}

// count is how many requests so far match.
func (l *hqLog) count(match func(hqRequest) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.seen {
		if match(r) {
			n++
		}
	}
	return n
}

// needTools skips, saying why, when the engines are not installed
// (scripts/test.sh installs them).
func needTools(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"redis-server", "haproxy"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("SKIP: %s is not installed (apt-get install -y redis-server haproxy; scripts/test.sh does it)", bin)
		}
	}
}

func startCluster(t *testing.T, n int, extra ...string) *cluster {
	t.Helper()
	needTools(t)
	c := &cluster{t: t}
	sb := startSandbox(t)
	c.sandbox = sb.baseURL
	c.hqURL = c.startDropProxy(sb.baseURL)
	c.redisURL = c.startRedis()
	c.lbPort = freePort(t)
	for i := 0; i < n; i++ {
		c.replicas = append(c.replicas, c.startReplica(fmt.Sprintf("r%d", i+1), extra...))
	}
	c.startHAProxy()
	return c
}

func (c *cluster) startDropProxy(target string) string {
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.hq.add(r)
		if c.dropOrgs.Load() && r.Method == http.MethodPost && r.URL.Path == "/hq/orgs" {
			rec := &discard{h: http.Header{}}
			rp.ServeHTTP(rec, r) // the sandbox commits it
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close() // and the answer never comes
				}
			}
			return
		}
		rp.ServeHTTP(w, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatal(err)
	}
	go srv.Serve(ln)
	c.t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// startRedis runs redis-server as deploy/kubernetes/redis.yaml does: the
// default user off, one user with a fresh password and the manifest's own
// ACL rules (so a command the server needs and the ACL refuses fails
// here), noeviction. A second user, the operator (or whoever took a pod
// of the cluster), may do anything: flushRedis is theirs.
func (c *cluster) startRedis() string {
	port := freePort(c.t)
	c.redisPW, c.redisOpPW = randid.Hex(32), randid.Hex(32)
	acl := filepath.Join(c.t.TempDir(), "users.acl")
	rules := "user default off\nuser myapihq-mcp on >" + c.redisPW + " " + manifestACL(c.t) + "\n" +
		"user operator on >" + c.redisOpPW + " ~* &* +@all\n"
	if err := os.WriteFile(acl, []byte(rules), 0o600); err != nil {
		c.t.Fatal(err)
	}
	c.redisAddr = fmt.Sprintf("127.0.0.1:%d", port)
	c.redisArgs = []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--aclfile", acl, "--maxmemory", "64mb", "--maxmemory-policy", "noeviction"}
	c.runRedis()
	return fmt.Sprintf("redis://myapihq-mcp:%s@%s/0", c.redisPW, c.redisAddr)
}

// runRedis starts redis-server with the cluster's arguments and waits for
// it to listen.
func (c *cluster) runRedis() {
	cmd := exec.Command("redis-server", c.redisArgs...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.redis = cmd
	c.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	waitFor(c.t, 10*time.Second, "redis: "+out.String(), func() bool {
		conn, err := net.Dial("tcp", c.redisAddr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
}

// restartRedis kills redis-server and starts it again on its port: it
// comes back empty, as the shipped one without its volume would.
func (c *cluster) restartRedis() {
	c.t.Helper()
	c.redis.Process.Kill()
	c.redis.Wait()
	c.runRedis()
}

// flushRedis empties Redis as its operator can (FLUSHALL).
func (c *cluster) flushRedis() {
	c.t.Helper()
	rc := redis.NewClient(&redis.Options{Addr: c.redisAddr, Username: "operator", Password: c.redisOpPW})
	defer rc.Close()
	if err := rc.FlushAll(context.Background()).Err(); err != nil {
		c.t.Fatal(err)
	}
}

// manifestACL is the permissions of the myapihq-mcp user in the shipped
// redis.yaml ("~myapihq:* … +ping …").
func manifestACL(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "deploy", "kubernetes", "redis.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`user myapihq-mcp on >%s ([^\\']+)\\\\n`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no ACL rule for the myapihq-mcp user in deploy/kubernetes/redis.yaml")
	}
	return string(m[1])
}

func (c *cluster) startReplica(name string, extra ...string) *replica {
	r := &replica{name: name, port: freePort(c.t), log: &syncBuffer{}, done: make(chan struct{})}
	// The other services are the sandbox's stand-ins, through the same proxy.
	args := append([]string{"http", "--multi-tenant", "--addr", fmt.Sprintf("127.0.0.1:%d", r.port), "--base-url", c.hqURL,
		"--drain-grace", "1500ms", "--log-level", "debug", "--tenant-rps", "300",
		"--service-url", "*=" + c.hqURL + "/_services"}, extra...)
	for i, a := range args {
		// "{lb}" is the balancer's port: --public-url names it; "{self}"
		// is this replica's own (a replica reached without a balancer).
		args[i] = strings.ReplaceAll(strings.ReplaceAll(a, "{lb}", fmt.Sprint(c.lbPort)), "{self}", fmt.Sprint(r.port))
	}
	r.cmd = exec.Command(binary, args...)
	// One consent-signing key for every replica, as the Kubernetes Secret
	// gives them: a question asked by one is answered on another. The
	// cache folder cannot be made, as on a read-only root filesystem.
	r.cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", "MYAPI_STATE_KEY=e2e-cluster-state-key-0123456789abcdef",
		"XDG_CACHE_HOME="+filepath.Join(c.unwritable(), "cache"), "MYAPI_REDIS_URL="+c.redisURL)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.done) }()
	c.t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	waitFor(c.t, 20*time.Second, name+" ready", func() bool { return httpOK(fmt.Sprintf("http://127.0.0.1:%d/readyz", r.port)) })
	return r
}

// unwritable is a path under a regular file: no folder can be made there,
// not even by root.
func (c *cluster) unwritable() string {
	f := filepath.Join(c.t.TempDir(), "a-file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return f
}

func (c *cluster) startHAProxy() {
	dir := c.t.TempDir()
	lb, stats := c.lbPort, freePort(c.t)
	var servers strings.Builder
	for _, r := range c.replicas {
		// Health from /readyz, checked often so a drain is noticed within
		// its grace; a connection refused is retried on another server
		// (safe: the request never reached one). No stickiness.
		fmt.Fprintf(&servers, "    server %s 127.0.0.1:%d check inter 200ms fall 2 rise 2\n", r.name, r.port)
	}
	cfg := fmt.Sprintf(`global
    maxconn 1000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
    retry-on conn-failure
frontend mcp
    bind 127.0.0.1:%d
    default_backend replicas
frontend stats
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string ok if { path /ok }
backend replicas
    balance roundrobin
    option forwardfor
    option httpchk GET /readyz
    http-response set-header X-Served-By %%s
%s`, lb, stats, servers.String())
	path := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		c.t.Fatal(err)
	}
	cmd := exec.Command("haproxy", "-db", "-f", path)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	c.lbURL = fmt.Sprintf("http://127.0.0.1:%d/mcp", lb)
	c.statsURL = fmt.Sprintf("http://127.0.0.1:%d/ok", stats)
	waitFor(c.t, 10*time.Second, "haproxy: "+out.String(), func() bool { return httpOK(c.statsURL) })
	waitFor(c.t, 10*time.Second, "replicas up behind haproxy", func() bool {
		return httpOK(fmt.Sprintf("http://127.0.0.1:%d/healthz", lb))
	})
}

// logs is every replica's output so far.
func (c *cluster) logs() string {
	var b strings.Builder
	for _, r := range c.replicas {
		b.WriteString(r.log.String())
	}
	return b.String()
}

// tenant is an agent account onboarded on the sandbox directly.
type tenant struct {
	accountID, pin, token, key string
}

// headers are the tenant's credentials as a remote host sends them.
func (tn tenant) headers() map[string]string {
	h := map[string]string{"Authorization": "Bearer " + tn.key}
	if tn.pin != "" {
		h["X-MyAPIHQ-Agent-PIN"] = tn.pin
	}
	return h
}

func (c *cluster) onboard(label string) tenant {
	c.t.Helper()
	ctx := context.Background()
	hc, err := hqclient.New(hqclient.Options{BaseURL: c.sandbox})
	if err != nil {
		c.t.Fatal(err)
	}
	acc, err := hc.CreateAgent(ctx, label)
	if err != nil {
		c.t.Fatal(err)
	}
	kc, _ := hqclient.New(hqclient.Options{BaseURL: c.sandbox, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{PIN: acc.Data.PIN, Token: acc.Data.Token})})
	k, err := kc.CreateKey(ctx, hqclient.CreateKeyRequest{Name: label})
	if err != nil {
		c.t.Fatal(err)
	}
	return tenant{accountID: acc.Data.AccountID, pin: acc.Data.PIN, token: acc.Data.Token, key: k.Data.APIKey}
}

// url is the replica's MCP endpoint, straight (not through haproxy).
func (r *replica) url() string { return fmt.Sprintf("http://127.0.0.1:%d/mcp", r.port) }

// kill ends the replica at once, as a crash or an eviction would.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	r.signal(t, syscall.SIGKILL)
	<-r.done
}

func (r *replica) signal(t *testing.T, s syscall.Signal) {
	t.Helper()
	if err := r.cmd.Process.Signal(s); err != nil {
		t.Fatal(err)
	}
}

var _ = io.Discard
var _ = bufio.NewScanner
