package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// human answers elicitations: yes unless told to decline, and counted.
type human struct {
	asked   atomic.Int32
	decline atomic.Bool
}

func (h *human) Elicit(_ context.Context, _ mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	h.asked.Add(1)
	if h.decline.Load() {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
		Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
}

// rootsOf is a client's workspace folders.
type rootsOf []string

func (r rootsOf) ListRoots(context.Context, mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	out := &mcp.ListRootsResult{}
	for _, p := range r {
		out.Roots = append(out.Roots, mcp.Root{URI: "file://" + p, Name: "project"})
	}
	return out, nil
}

// startServices starts the binary with a human that can decline, roots
// when given, and extra environment (its cache folder).
func startServices(t *testing.T, e env, protocol string, h *human, roots rootsOf, extraEnv []string, extra ...string) *session {
	t.Helper()
	return startStdio(t, e, protocol, stdioOpts{extraEnv: extraEnv, answers: h, roots: roots}, extra...)
}

var sandboxURL = regexp.MustCompile(`"base_url":"(http://127\.0\.0\.1:\d+)"[^\n]*embedded sandbox started`)

// sandboxBase is the embedded sandbox's URL, from the server's log.
func (s *session) sandboxBase() string {
	s.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := sandboxURL.FindStringSubmatch(s.stderr.String()); m != nil {
			return m[1]
		}
	}
	s.t.Fatalf("no sandbox URL in the log:\n%s", s.stderr)
	return ""
}

type serviceCallRow struct {
	Service, Method, Path string
	AccountID             string `json:"account_id"`
	OrgID                 string `json:"org_id"`
	Status                int
	Time                  string
}

// serviceCalls reads what the stand-ins received.
func serviceCalls(t *testing.T, base string) []serviceCallRow {
	t.Helper()
	resp, err := http.Get(base + "/_sandbox/service-calls")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rows []serviceCallRow
	if err := json.NewDecoder(resp.Body).Decode(&rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func (s *session) fails(name string, args map[string]any) string {
	s.t.Helper()
	res, _ := s.call(name, args, "")
	if !res.IsError {
		s.t.Fatalf("%s(%v) succeeded: %s", name, args, text(res))
	}
	return text(res)
}
