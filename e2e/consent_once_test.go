package e2e

// A consent answer executes its tool at most once, whatever forgets that
// it was used: another replica, a restarted one, a restarted or flushed
// Redis, another tenant holding the state, a restarted stdio server. The
// attacker replays the very request the human's host sent (the signed
// requestState and the answer); the sandbox's billing history counts the
// charges.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/myapihq/myapihq-mcp/hqclient"
)

// topUps counts the tenant's top-ups of cents at the service.
func (c *cluster) topUps(tn tenant, cents int64) int {
	c.t.Helper()
	hc, _ := hqclient.New(hqclient.Options{BaseURL: c.sandbox, Credentials: hqclient.NewStaticCredentials(hqclient.Secrets{PIN: tn.pin, APIKey: tn.key})})
	h, err := hc.BillingHistory(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	n := 0
	for _, e := range h.Data {
		if e.Type == "topup" && e.AmountCents == cents {
			n++
		}
	}
	return n
}

// answered is a consented call's result that did the work (or said it
// was done already).
func answered(t *testing.T, what string, res map[string]any) string {
	t.Helper()
	if _, q := res["inputRequests"]; q || res["isError"] == true {
		t.Fatalf("%s: %v", what, res)
	}
	return fmt.Sprint(res["content"])
}

func TestConsentAnswerChargesOnceEverywhere(t *testing.T) {
	t.Parallel()
	needTools(t)
	for _, withRedis := range []bool{false, true} {
		name := "without Redis"
		if withRedis {
			name = "with Redis"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sb := startSandbox(t)
			c := &cluster{t: t, sandbox: sb.baseURL, hqURL: sb.baseURL}
			if withRedis {
				c.redisURL = c.startRedis()
			}
			r1, r2 := c.startReplica("r1"), c.startReplica("r2")
			alice, bob := c.onboard("alice"), c.onboard("bob")
			c.fund(alice, 100)
			c.fund(bob, 100)
			const cents = 500
			five := map[string]any{"amount_cents": cents}
			state := asked(t, "the question", modernCallAs(t, r1.url(), alice.headers(), "top_up", five, "", nil))
			answered(t, "the human's answer", modernCallAs(t, r1.url(), alice.headers(), "top_up", five, state, accept))
			charged := func(step string, tn tenant, want int) {
				t.Helper()
				got := c.topUps(tn, cents)
				t.Logf("%s: %d charge(s)", step, got)
				if got != want {
					t.Errorf("%s: the answer was charged %d times, want %d", step, got, want)
				}
			}
			charged("answered on r1", alice, 1)
			replay := func(r *replica, tn tenant) map[string]any {
				return modernCallAs(t, r.url(), tn.headers(), "top_up", five, state, accept)
			}

			replay(r2, alice)
			charged("replayed to r2", alice, 1)

			r1.kill(t)
			r1 = c.startReplica("r1 restarted")
			replay(r1, alice)
			charged("replayed to r1 after its restart", alice, 1)

			if withRedis {
				c.restartRedis()
				warm(t, r2, alice) // the replica's pool finds the new Redis
				res := replay(r2, alice)
				charged("replayed after redis-server restarted", alice, 1)
				if txt := answered(t, "the replay after the restart", res); !strings.Contains(txt, "already") {
					t.Errorf("the replay does not say it was done before: %s", txt)
				}
				c.flushRedis()
				replay(r1, alice)
				charged("replayed after FLUSHALL", alice, 1)
			}

			// Another tenant holding the state and the answer (a proxy's
			// log, a shared host) gets a question of its own, not the call.
			r3 := c.startReplica("r3")
			if withRedis {
				c.flushRedis()
			}
			asked(t, "another tenant's replay", replay(r3, bob))
			charged("replayed by another tenant", bob, 0)
		})
	}
}

// warm sends reads through r until one succeeds: after Redis came back,
// the replica's connections to the old one are dropped on first use.
func warm(t *testing.T, r *replica, tn tenant) {
	t.Helper()
	waitFor(t, 10*time.Second, "a read through "+r.name, func() bool {
		res := modernCallAs(t, r.url(), tn.headers(), "get_balance", map[string]any{}, "", nil)
		return res["isError"] != true
	})
}

// TestConsentStateReplayedToARestartedStdioServer: the local modes sign
// their questions with a key of the process, so a question's state and
// its answer, replayed over stdio to the server started again on the same
// profile, is a question again, never a second top-up.
func TestConsentStateReplayedToARestartedStdioServer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wire := func() *wireStdio {
		cmd := exec.Command(binary, append([]string{"stdio"}, e.sandboxArgs()...)...)
		cmd.Env = append(os.Environ(), e.vars()...)
		return startWire(t, cmd)
	}
	s := wire()
	s.ok("create_agent", nil, "", nil)
	s.ok("confirm_payment_setup", map[string]any{"payment_method_id": "pm_card"}, "", nil)
	five := map[string]any{"amount_cents": 500}
	state := asked(t, "the question", s.call("top_up", five, "", nil))
	answered(t, "the answer", s.call("top_up", five, state, accept))
	asked(t, "the same answer again", s.call("top_up", five, state, accept))
	s.stop()

	s = wire()
	asked(t, "the answer replayed to a new process", s.call("top_up", five, state, accept))
	if bal := s.ok("get_balance", nil, "", nil); bal["balance_cents"] != float64(500) {
		t.Fatalf("balance %v after one consented top-up of 500", bal["balance_cents"])
	}
}

// wireStdio is the binary on stdio, spoken to in raw 2026-07-28 JSON-RPC:
// the test holds each question's state itself, as a host does.
type wireStdio struct {
	t     *testing.T
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan []byte
	id    int
}

func startWire(t *testing.T, cmd *exec.Cmd) *wireStdio {
	t.Helper()
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &wireStdio{t: t, cmd: cmd, in: in, lines: make(chan []byte, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			w.lines <- append([]byte(nil), sc.Bytes()...)
		}
		close(w.lines)
	}()
	t.Cleanup(w.stop)
	return w
}

// call sends a tools/call and returns its result.
func (w *wireStdio) call(tool string, args map[string]any, state string, answer map[string]any) map[string]any {
	w.t.Helper()
	w.id++
	b, _ := json.Marshal(modernToolCall(w.id, tool, args, state, answer))
	if _, err := w.in.Write(append(b, '\n')); err != nil {
		w.t.Fatal(err)
	}
	for {
		select {
		case line, open := <-w.lines:
			if !open {
				w.t.Fatalf("%s: the server closed stdout", tool)
			}
			var m struct {
				ID     int            `json:"id"`
				Result map[string]any `json:"result"`
				Error  any            `json:"error"`
			}
			if json.Unmarshal(line, &m) != nil || m.ID != w.id {
				continue // a notification
			}
			if m.Result == nil {
				w.t.Fatalf("%s: %v", tool, m.Error)
			}
			return m.Result
		case <-time.After(30 * time.Second):
			w.t.Fatalf("%s: no answer", tool)
		}
	}
}

// ok is call for a call that must succeed: its structured content.
func (w *wireStdio) ok(tool string, args map[string]any, state string, answer map[string]any) map[string]any {
	w.t.Helper()
	res := w.call(tool, args, state, answer)
	if res["isError"] == true {
		w.t.Fatalf("%s: %v", tool, res)
	}
	sc, _ := res["structuredContent"].(map[string]any)
	return sc
}

// stop closes stdin and waits for the server to exit.
func (w *wireStdio) stop() {
	if w.cmd.ProcessState != nil {
		return
	}
	w.in.Close()
	done := make(chan struct{})
	go func() { w.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		w.cmd.Process.Kill()
		<-done
	}
}
