package main

// The remote mode's load run (-lb): 1, 2 and 3 replicas of the multi-tenant
// server behind haproxy (round robin), all against one sandbox, driven by
// concurrent tenants over streamable HTTP. Reports calls/s and p50/p99 per
// replica count.

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

var (
	lb         = flag.Bool("lb", false, "instead: the remote mode's load run through haproxy with 1, 2 and 3 replicas")
	lbDuration = flag.Duration("lb-duration", 5*time.Second, "load per replica count (-lb)")
	lbWorkers  = flag.Int("lb-workers", 24, "concurrent callers (-lb), spread over 8 tenants")
)

func lbFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func waitHTTP(u string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if res, err := http.Get(u); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready", u)
}

func runLB() error {
	if _, err := exec.LookPath("haproxy"); err != nil {
		return fmt.Errorf("-lb needs haproxy (apt-get install -y haproxy)")
	}
	dir, err := os.MkdirTemp("", "myapihq-bench-lb-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "myapihq-mcp")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build: %v\n%s", err, out)
	}
	base, stop, err := startSandbox(bin, "--rate-limit", "-1")
	if err != nil {
		return err
	}
	defer stop()
	type tenant struct{ key, pin string }
	var tenants []tenant
	for i := 0; i < 8; i++ {
		env, err := onboard(base)
		if err != nil {
			return err
		}
		var t tenant
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "MYAPI_API_KEY="); ok {
				t.key = v
			}
			if v, ok := strings.CutPrefix(kv, "MYAPI_PIN="); ok {
				t.pin = v
			}
		}
		tenants = append(tenants, t)
	}
	sandboxPID := findPID(bin, "sandbox")
	for n := 1; n <= 3; n++ {
		url, pids, cleanup, err := cluster(bin, base, dir, n)
		if err != nil {
			return err
		}
		before := cpuOf(append(pids, sandboxPID, os.Getpid()))
		lat, rate, errs := load(url, func(w int) (string, string) { t := tenants[w%len(tenants)]; return t.key, t.pin })
		after := cpuOf(append(pids, sandboxPID, os.Getpid()))
		cleanup()
		calls := float64(len(lat))
		var replicas time.Duration
		for i := 0; i < n; i++ {
			replicas += after[i] - before[i]
		}
		per := func(d time.Duration) float64 { return float64(d.Microseconds()) / calls }
		record("lb CPU per call: replicas", fmt.Sprintf("%d replica(s)", n), per(replicas), "µs")
		record("lb CPU per call: haproxy", fmt.Sprintf("%d replica(s)", n), per(after[n]-before[n]), "µs")
		record("lb CPU per call: sandbox", fmt.Sprintf("%d replica(s)", n), per(after[n+1]-before[n+1]), "µs")
		record("lb CPU per call: load client", fmt.Sprintf("%d replica(s)", n), per(after[n+2]-before[n+2]), "µs")
		server := fmt.Sprintf("%d replica(s)", n)
		record("lb list_orgs calls/s", server, rate, "/s")
		record("lb list_orgs p50", server, ms(lat.p(50)), "ms")
		record("lb list_orgs p99", server, ms(lat.p(99)), "ms")
		record("lb failed calls", server, float64(errs), "")
	}
	return report()
}

// cpuOf reads each process's user+system CPU time from /proc (Linux; 0
// elsewhere). The kernel counts in clock ticks, 100 a second here.
func cpuOf(pids []int) []time.Duration {
	out := make([]time.Duration, len(pids))
	for i, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			out[i] = time.Duration(u+s) * 10 * time.Millisecond
		}
	}
	return out
}

// findPID is the process running bin with first argument arg.
func findPID(bin, arg string) int {
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		parts := strings.Split(string(b), "\x00")
		if len(parts) > 1 && parts[0] == bin && parts[1] == arg {
			return pid
		}
	}
	return -1
}

// cluster starts n replicas and haproxy; it returns the balancer's URL and
// the pids, replicas first, haproxy last.
func cluster(bin, base, dir string, n int) (string, []int, func(), error) {
	var procs []*exec.Cmd
	cleanup := func() {
		for _, p := range procs {
			p.Process.Kill()
			p.Wait()
		}
	}
	var servers strings.Builder
	for i := 0; i < n; i++ {
		port, err := lbFreePort()
		if err != nil {
			cleanup()
			return "", nil, nil, err
		}
		cmd := exec.Command(bin, "http", "--multi-tenant", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--base-url", base,
			"--tenant-rps", "-1", "--tenant-concurrency", "-1", "--log-level", "warn")
		if err := cmd.Start(); err != nil {
			cleanup()
			return "", nil, nil, err
		}
		procs = append(procs, cmd)
		if err := waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/readyz", port), 20*time.Second); err != nil {
			cleanup()
			return "", nil, nil, err
		}
		fmt.Fprintf(&servers, "    server r%d 127.0.0.1:%d check inter 1s\n", i, port)
	}
	port, err := lbFreePort()
	if err != nil {
		cleanup()
		return "", nil, nil, err
	}
	cfg := fmt.Sprintf("global\n    maxconn 2000\ndefaults\n    mode http\n    timeout connect 2s\n    timeout client 60s\n    timeout server 60s\n"+
		"frontend mcp\n    bind 127.0.0.1:%d\n    default_backend r\nbackend r\n    balance roundrobin\n    option httpchk GET /readyz\n%s",
		port, servers.String())
	path := filepath.Join(dir, fmt.Sprintf("haproxy-%d.cfg", n))
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		cleanup()
		return "", nil, nil, err
	}
	hp := exec.Command("haproxy", "-db", "-f", path)
	if err := hp.Start(); err != nil {
		cleanup()
		return "", nil, nil, err
	}
	procs = append(procs, hp)
	if err := waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/healthz", port), 10*time.Second); err != nil {
		cleanup()
		return "", nil, nil, err
	}
	var pids []int
	for _, p := range procs {
		pids = append(pids, p.Process.Pid)
	}
	return fmt.Sprintf("http://127.0.0.1:%d/mcp", port), pids, cleanup, nil
}

// load runs -lb-workers callers for -lb-duration: raw JSON-RPC tools/call
// over streamable HTTP, as a stateless (2025-11-25) client sends them.
func load(url string, creds func(worker int) (key, pin string)) (durations, float64, int) {
	tr := &http.Transport{MaxIdleConnsPerHost: *lbWorkers * 2}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list_orgs","arguments":{}}}`)
	var mu sync.Mutex
	var all durations
	errs := 0
	ctx, cancel := context.WithTimeout(context.Background(), *lbDuration)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *lbWorkers; w++ {
		key, pin := creds(w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine durations
			bad := 0
			for ctx.Err() == nil {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("MCP-Protocol-Version", "2025-11-25")
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("X-MyAPIHQ-Agent-PIN", pin)
				t0 := time.Now()
				res, err := hc.Do(req)
				if err != nil {
					bad++
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"result"`)) || bytes.Contains(b, []byte(`"isError":true`)) {
					bad++
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all, errs = append(all, mine...), errs+bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(start)
	return all, float64(len(all)) / took.Seconds(), errs
}
