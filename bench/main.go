// Command bench measures what an MCP host feels from myapihq-mcp, beside
// mcp-go's minimal server built in the same run (the library's floor):
// cold start, the tool list's size and latency, tool-call latency and
// throughput against a sandbox on loopback, and peak memory.
//
//	go run ./bench [-runs 30] [-calls 2000] [-repeat 3] [-json bench.jsonl]
//
// Both servers are built as the release is (stripped, trimpath). With
// -repeat N every measure runs N times and every budget must hold in each
// run; the exit status says whether they all did (-strict=false: always 0,
// for the CI smoke run that only checks the program still runs).
// It speaks raw JSON-RPC over the child's pipes, so the client adds
// nothing but a pipe write and a line read to what is measured.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

var (
	runs     = flag.Int("runs", 30, "cold starts per server and protocol")
	calls    = flag.Int("calls", 2000, "sequential tool calls per measure")
	inflight = flag.Int("inflight", 8, "concurrent calls for the throughput measure")
	jsonOut  = flag.String("json", "", "also write results as JSON lines to this file")
	cgo      = flag.String("cgo", "0", "CGO_ENABLED for both builds")
	repeat   = flag.Int("repeat", 1, "measure this many times in a row; every budget must hold in each")
	strict   = flag.Bool("strict", true, "exit non-zero when a budget is missed (the CI smoke run, too short to measure, turns it off)")
)

// releaseFlags build both servers as the release does (.goreleaser.yaml):
// stripped, without paths or a build id, so what is measured is what ships.
var releaseFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid="}

type result struct {
	Measure string  `json:"measure"`
	Server  string  `json:"server"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Budget  string  `json:"budget,omitempty"`
	Pass    *bool   `json:"pass,omitempty"`
}

var results []result

func record(measure, server string, value float64, unit string) {
	results = append(results, result{Measure: measure, Server: server, Value: value, Unit: unit})
}

func budget(measure string, value, limit float64, unit, what string) {
	pass := value <= limit
	results = append(results, result{Measure: measure, Server: "myapihq-mcp", Value: value, Unit: unit, Budget: what, Pass: &pass})
}

func main() {
	flag.Parse()
	do := run
	if *lb {
		do = runLB
	}
	if err := do(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "myapihq-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ours, floor := filepath.Join(dir, "myapihq-mcp"), filepath.Join(dir, "floor")
	// Both servers are built the same way, statically (CGO_ENABLED=0): nothing
	// here needs cgo, and a glibc-linked build maps libc.so (1.3-1.8 MB of
	// RSS in either server) only for net's DNS resolver.
	for bin, pkg := range map[string]string{ours: ".", floor: "./bench/floor"} {
		build := exec.Command("go", append(append([]string{"build"}, releaseFlags...), "-o", bin, pkg)...)
		build.Env = append(os.Environ(), "CGO_ENABLED="+*cgo)
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", pkg, err, out)
		}
	}
	// The sandbox runs from its own copy of the binary, as the live service
	// would be elsewhere: the server's RSS then counts only its own pages.
	sandboxBin := filepath.Join(dir, "sandbox")
	if b, err := os.ReadFile(ours); err != nil || os.WriteFile(sandboxBin, b, 0o755) != nil {
		return fmt.Errorf("copy the sandbox binary: %v", err)
	}
	fmt.Fprintf(os.Stderr, "built both servers (CGO_ENABLED=%s) in %s\n", *cgo, dir)

	// A sandbox on loopback (no rate limit), and one that takes 20 ms a request.
	fast, stopFast, err := startSandbox(sandboxBin, "--rate-limit", "-1")
	if err != nil {
		return err
	}
	defer stopFast()
	slow, stopSlow, err := startSandbox(sandboxBin, "--rate-limit", "-1", "--faults", "latency=20ms")
	if err != nil {
		return err
	}
	defer stopSlow()
	creds, err := onboard(fast)
	if err != nil {
		return err
	}
	slowCreds, err := onboard(slow)
	if err != nil {
		return err
	}

	home := filepath.Join(dir, "home")
	env := func(base string, c []string) []string {
		return append([]string{"XDG_CONFIG_HOME=" + home, "XDG_DATA_HOME=" + home, "MYAPI_CREDENTIAL_STORE=file",
			"MYAPI_LOG_LEVEL=warn", "MYAPI_BASE_URL=" + base}, c...)
	}
	oursEnv := env(fast, creds)

	missed := 0
	for i := 1; i <= *repeat; i++ {
		results = nil
		if err := measure(rig{floor: floor, ours: ours, dir: dir, fast: fast, creds: creds, env: env, oursEnv: oursEnv,
			slowEnv: env(slow, slowCreds)}); err != nil {
			return err
		}
		if *repeat > 1 {
			fmt.Printf("\nrun %d of %d\n", i, *repeat)
		}
		if err := report(); err != nil {
			return err
		}
		for _, r := range results {
			if r.Pass != nil && !*r.Pass {
				missed++
			}
		}
	}
	if missed > 0 && *strict {
		return fmt.Errorf("%d budget(s) missed over %d run(s)", missed, *repeat)
	}
	return nil
}

// rig is what every run measures with: both servers' binaries, the
// sandboxes and the agent onboarded on them.
type rig struct {
	floor, ours, dir, fast string
	creds                  []string // the agent on the fast sandbox, as env overrides
	env                    func(base string, creds []string) []string
	oursEnv, slowEnv       []string // our server on the fast, the 20 ms sandbox
}

// measure is one run of every measure, both servers side by side.
func measure(r rig) error {
	floor, ours, dir, fast, creds, env, oursEnv := r.floor, r.ours, r.dir, r.fast, r.creds, r.env, r.oursEnv
	// 1. Cold start, both protocol eras, the two servers interleaved so that
	// drift on a busy machine falls on both alike.
	for _, method := range []string{"initialize", "server/discover"} {
		floorStart, oursStart, err := coldStartPair(floor, ours, oursEnv, method)
		if err != nil {
			return err
		}
		record("cold start → "+method+" p50", "mcp-go floor", ms(floorStart.p(50)), "ms")
		record("cold start → "+method+" max", "mcp-go floor", ms(floorStart.max()), "ms")
		record("cold start → "+method+" p50", "myapihq-mcp", ms(oursStart.p(50)), "ms")
		record("cold start → "+method+" max", "myapihq-mcp", ms(oursStart.max()), "ms")
		if method == "initialize" {
			budget("cold start p50 / floor p50", float64(oursStart.p(50))/float64(floorStart.p(50)), 1.3, "×", "≤ 1.3× floor")
		}
	}
	sbStart, err := coldStarts(ours, []string{"--sandbox"}, env("", nil), "initialize", *runs)
	if err != nil {
		return err
	}
	record("cold start → initialize p50, --sandbox", "myapihq-mcp", ms(sbStart.p(50)), "ms")

	// 2. tools/list: size (tokens ≈ bytes/4) and latency, all and per toolset.
	for name, bin := range map[string]string{"mcp-go floor": floor, "myapihq-mcp": ours} {
		e := oursEnv
		if bin == floor {
			e = nil
		}
		size, count, lat, err := toolsList(bin, nil, e)
		if err != nil {
			return err
		}
		record("tools/list bytes", name, float64(size), "B")
		record("tools/list ~tokens", name, float64(size/4), "tokens")
		record("tools/list p50", name, ms(lat.p(50)), "ms")
		if bin == ours {
			budget(fmt.Sprintf("tools/list ~tokens, %d tools", count), float64(size/4), 5000, "tokens", "≤ 5,000")
			budget("tools/list ~tokens per tool", float64(size/4)/float64(count), 200, "tokens", "≤ 200")
		}
	}
	for _, set := range []string{"account", "keys", "orgs", "billing", "imports", "services"} {
		size, _, _, err := toolsList(ours, []string{"--toolsets", set}, oursEnv)
		if err != nil {
			return err
		}
		record("tools/list ~tokens, toolset "+set, "myapihq-mcp", float64(size/4), "tokens")
	}

	// The HTTP leg alone, client → sandbox process, to place the server's share.
	leg, err := clientLeg(fast, creds)
	if err != nil {
		return err
	}
	record("hqclient Balance → sandbox p50 (no MCP)", "bench process", ms(leg.p(50)), "ms")

	// 3. tools/call latency (sequential) and throughput (in flight). The
	// budgets are ratios to the floor's bare call, measured just before.
	var bare struct{ p50, p99 time.Duration }
	var peak float64
	for _, c := range []struct {
		server, bin, tool string
		args              map[string]any
		env               []string
	}{
		{"mcp-go floor", floor, "hello", map[string]any{"name": "bench"}, nil},
		{"myapihq-mcp", ours, "get_balance", nil, oursEnv},
		{"myapihq-mcp", ours, "list_orgs", nil, oursEnv},
	} {
		s, err := spawn(c.bin, nil, c.env)
		if err != nil {
			return err
		}
		if err := s.initialize(); err != nil {
			return err
		}
		if c.tool != "list_orgs" {
			record("RSS after initialize (idle)", c.server, float64(s.peakRSS())/1024, "MB")
		}
		p50, p99, err := s.rounds(c.tool, c.args)
		if err != nil {
			s.close()
			return err
		}
		record(fmt.Sprintf("tools/call %s p50", c.tool), c.server, ms(p50), "ms")
		record(fmt.Sprintf("tools/call %s p99", c.tool), c.server, ms(p99), "ms")
		switch c.tool {
		case "hello":
			bare.p50, bare.p99 = p50, p99
		case "get_balance":
			budget("get_balance p50 / floor's bare call p50", float64(p50)/float64(bare.p50), 2.5, "×", "≤ 2.5× floor")
			budget("get_balance p99 / floor's bare call p99", float64(p99)/float64(bare.p99), 4, "×", "≤ 4× floor")
			// What a server that cost nothing would score: the floor's call
			// plus the HTTP leg it cannot skip, over the floor's call.
			record("p50 lower bound: (floor's bare call + HTTP leg) / floor", c.server, float64(bare.p50+leg.p(50))/float64(bare.p50), "×")
		}
		perSec, err := s.throughput(c.tool, c.args, *calls, *inflight)
		if err != nil {
			s.close()
			return err
		}
		record(fmt.Sprintf("tools/call %s, %d in flight", c.tool, *inflight), c.server, perSec, "calls/s")
		rss := s.peakRSS()
		s.close()
		record("peak RSS after the call workload", c.server, float64(rss)/1024, "MB")
		if c.bin == ours {
			peak = max(peak, float64(rss)/1024)
		}
	}
	budget("peak RSS, stdio (either workload)", peak, 20, "MB", "≤ 20 MB")

	// A tool whose every call waits 20 ms: 8 in flight must overlap.
	s, err := spawn(ours, nil, r.slowEnv)
	if err != nil {
		return err
	}
	if err := s.initialize(); err != nil {
		return err
	}
	perSec, err := s.throughput("get_balance", nil, 600, *inflight)
	s.close()
	if err != nil {
		return err
	}
	budget(fmt.Sprintf("20 ms tool, %d in flight", *inflight), -perSec, -300, "calls/s", "≥ 300 calls/s")

	// 4. Peak RSS with the embedded sandbox, after onboarding and the workload.
	s, err = spawn(ours, []string{"--sandbox", "--sandbox-state", filepath.Join(dir, "sb.db")}, env("", nil))
	if err != nil {
		return err
	}
	if err := s.initialize(); err != nil {
		return err
	}
	if _, err := s.callTool("create_agent", nil); err != nil {
		s.close()
		return err
	}
	if _, err := s.sequential("get_balance", nil, *calls); err != nil {
		s.close()
		return err
	}
	if _, err := s.sequential("list_orgs", nil, *calls); err != nil {
		s.close()
		return err
	}
	p50, p99, err := s.rounds("get_balance", nil)
	if err != nil {
		s.close()
		return err
	}
	record("tools/call get_balance p50, --sandbox", "myapihq-mcp", ms(p50), "ms")
	record("tools/call get_balance p99, --sandbox", "myapihq-mcp", ms(p99), "ms")
	rss := s.peakRSS()
	s.close()
	budget("peak RSS, --sandbox", float64(rss)/1024, 30, "MB", "≤ 30 MB")
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// durations are latencies with percentiles.
type durations []time.Duration

func (d durations) p(q int) time.Duration {
	s := append(durations(nil), d...)
	slices.Sort(s)
	i := (len(s)*q + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

func (d durations) max() time.Duration { return d.p(100) }

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func startSandbox(bin string, args ...string) (string, func(), error) {
	cmd := exec.Command(bin, append([]string{"sandbox", "--addr", "127.0.0.1:0", "--import-delay", "0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			go io.Copy(io.Discard, stderr)
			return m[1], func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }, nil
		}
	}
	cmd.Process.Kill()
	return "", nil, errors.New("sandbox did not start")
}

// onboard makes an agent and key, returned as the env overrides a server takes.
func onboard(base string) ([]string, error) {
	ctx := context.Background()
	creds := hqclient.NewStaticCredentials(hqclient.Secrets{})
	c, err := hqclient.New(hqclient.Options{BaseURL: base, Credentials: creds})
	if err != nil {
		return nil, err
	}
	a, err := c.CreateAgent(ctx, "bench")
	if err != nil {
		return nil, err
	}
	creds.Update(func(s *hqclient.Secrets) { s.PIN, s.Token = a.Data.PIN, a.Data.Token })
	k, err := c.CreateKey(ctx, hqclient.CreateKeyRequest{Name: "bench"})
	if err != nil {
		return nil, err
	}
	creds.Update(func(s *hqclient.Secrets) { s.APIKey = k.Data.APIKey })
	for i := 0; i < 5; i++ {
		if _, err := c.CreateOrg(ctx, hqclient.OrgFields{Name: hqclient.Ptr(fmt.Sprintf("Bench org %d", i))}); err != nil {
			return nil, err
		}
	}
	return []string{"MYAPI_PIN=" + a.Data.PIN, "MYAPI_API_KEY=" + k.Data.APIKey, "MYAPI_ACCOUNT_ID=" + a.Data.AccountID}, nil
}

func clientLeg(base string, env []string) (durations, error) {
	secrets := hqclient.Secrets{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "MYAPI_PIN":
			secrets.PIN = v
		case "MYAPI_API_KEY":
			secrets.APIKey = v
		}
	}
	c, err := hqclient.New(hqclient.Options{BaseURL: base, Credentials: hqclient.NewStaticCredentials(secrets)})
	if err != nil {
		return nil, err
	}
	var lat durations
	for i := 0; i < *calls+50; i++ {
		start := time.Now()
		if _, err := c.Balance(context.Background()); err != nil {
			return nil, err
		}
		if i >= 50 {
			lat = append(lat, time.Since(start))
		}
	}
	return lat, nil
}

// session is a server process and a minimal JSON-RPC client on its pipes.
type session struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	mu      sync.Mutex
	pending map[int64]chan json.RawMessage
	next    atomic.Int64
	done    chan struct{}
}

func spawn(bin string, args, env []string) (*session, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &session{cmd: cmd, in: in, pending: map[int64]chan json.RawMessage{}, done: make(chan struct{})}
	go s.read(out)
	return s, nil
}

func (s *session) read(out io.Reader) {
	defer close(s.done)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var msg struct {
			ID *int64 `json:"id"`
		}
		line := append([]byte(nil), sc.Bytes()...)
		if json.Unmarshal(line, &msg) != nil || msg.ID == nil {
			continue // a notification
		}
		s.mu.Lock()
		ch := s.pending[*msg.ID]
		delete(s.pending, *msg.ID)
		s.mu.Unlock()
		if ch != nil {
			ch <- line
		}
	}
}

func (s *session) request(method string, params any) (json.RawMessage, error) {
	id := s.next.Add(1)
	ch := make(chan json.RawMessage, 1)
	s.mu.Lock()
	s.pending[id] = ch
	s.mu.Unlock()
	b, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	_, err = s.in.Write(append(b, '\n'))
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	select {
	case line := <-ch:
		var resp struct {
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(line, &resp); err != nil {
			return nil, err
		}
		if resp.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, resp.Error.Message)
		}
		return resp.Result, nil
	case <-s.done:
		return nil, fmt.Errorf("%s: the server exited", method)
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("%s: no answer in 30s", method)
	}
}

var modernMeta = map[string]any{
	"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
	"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "bench", "version": "1"},
	"io.modelcontextprotocol/clientCapabilities": map[string]any{},
}

func (s *session) initialize() error {
	if _, err := s.request("initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "bench", "version": "1"}}); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "notifications/initialized"})
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.in.Write(append(b, '\n'))
	return err
}

func (s *session) callTool(name string, args map[string]any) (json.RawMessage, error) {
	if args == nil {
		args = map[string]any{}
	}
	res, err := s.request("tools/call", map[string]any{"name": name, "arguments": args})
	if err != nil {
		return nil, err
	}
	var r struct {
		IsError bool `json:"isError"`
	}
	json.Unmarshal(res, &r)
	if r.IsError {
		return nil, fmt.Errorf("%s: %s", name, res)
	}
	return res, nil
}

func (s *session) sequential(tool string, args map[string]any, n int) (durations, error) {
	for i := 0; i < 50; i++ { // warm up: first credential read, connections
		if _, err := s.callTool(tool, args); err != nil {
			return nil, err
		}
	}
	lat := make(durations, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		if _, err := s.callTool(tool, args); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

// rounds runs three rounds of sequential calls and returns the median
// round's p50 and p99: one round's figure moves with whatever else the
// machine did in those seconds.
func (s *session) rounds(tool string, args map[string]any) (time.Duration, time.Duration, error) {
	var p50s, p99s durations
	for r := 0; r < 3; r++ {
		lat, err := s.sequential(tool, args, *calls)
		if err != nil {
			return 0, 0, err
		}
		p50s, p99s = append(p50s, lat.p(50)), append(p99s, lat.p(99))
	}
	return p50s.p(50), p99s.p(50), nil
}

func (s *session) throughput(tool string, args map[string]any, n, workers int) (float64, error) {
	var wg sync.WaitGroup
	var next atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if _, err := s.callTool(tool, args); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// peakRSS is VmHWM in KiB, read while the process is alive.
func (s *session) peakRSS() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			n, _ := strconv.Atoi(strings.Fields(line)[1])
			return n
		}
	}
	return 0
}

func (s *session) close() {
	s.in.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// coldStartPair times both servers, alternating, runs times each.
func coldStartPair(floor, ours string, oursEnv []string, method string) (durations, durations, error) {
	var f, o durations
	for i := 0; i < *runs; i++ {
		a, err := coldStarts(floor, nil, nil, method, 1)
		if err != nil {
			return nil, nil, err
		}
		b, err := coldStarts(ours, nil, oursEnv, method, 1)
		if err != nil {
			return nil, nil, err
		}
		f, o = append(f, a...), append(o, b...)
	}
	return f, o, nil
}

// coldStarts spawns the server n times and times spawn → first answer.
func coldStarts(bin string, args, env []string, method string, n int) (durations, error) {
	var out durations
	for i := 0; i < n; i++ {
		start := time.Now()
		s, err := spawn(bin, args, env)
		if err != nil {
			return nil, err
		}
		if method == "initialize" {
			_, err = s.request("initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
				"clientInfo": map[string]any{"name": "bench", "version": "1"}})
		} else {
			_, err = s.request("server/discover", map[string]any{"_meta": modernMeta})
		}
		d := time.Since(start)
		s.close()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", filepath.Base(bin), method, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// toolsList measures tools/list: the answer's size, its tool count, and
// the latency of 200 calls.
func toolsList(bin string, args, env []string) (size, count int, lat durations, err error) {
	s, err := spawn(bin, args, env)
	if err != nil {
		return 0, 0, nil, err
	}
	defer s.close()
	if err := s.initialize(); err != nil {
		return 0, 0, nil, err
	}
	var res json.RawMessage
	for i := 0; i < 200; i++ {
		start := time.Now()
		if res, err = s.request("tools/list", map[string]any{}); err != nil {
			return 0, 0, nil, err
		}
		lat = append(lat, time.Since(start))
	}
	var list struct{ Tools []json.RawMessage }
	if err := json.Unmarshal(res, &list); err != nil {
		return 0, 0, nil, err
	}
	return len(res), len(list.Tools), lat, nil
}

func report() error {
	fmt.Printf("%-44s %-14s %12s  %s\n", "measure", "server", "value", "budget")
	for _, r := range results {
		v := r.Value
		if v < 0 {
			v = -v // "at least" budgets are stored negated
		}
		mark := ""
		if r.Pass != nil {
			mark = r.Budget + map[bool]string{true: "  ok", false: "  MISSED"}[*r.Pass]
		}
		fmt.Printf("%-44s %-14s %9.3f %-4s %s\n", r.Measure, r.Server, v, r.Unit, mark)
	}
	if *jsonOut == "" {
		return nil
	}
	f, err := os.Create(*jsonOut)
	if err != nil {
		return err
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	for _, r := range results {
		if r.Value < 0 {
			r.Value = -r.Value
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}
