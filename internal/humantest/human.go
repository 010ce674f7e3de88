// Package humantest plays the human at an MCP client's elicitations, for
// tests through real transports: it accepts or declines consent questions
// (form mode), and for URL mode it "opens" the page and completes the
// sandbox's hosted checkout the way a person does, after answering, out of
// band, as the protocol has it. Hand it to an mcp-go client with
// client.WithElicitationHandler.
package humantest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/myapihq/myapihq-mcp/sandbox"
)

// Human answers elicitations.
type Human struct {
	// Decline says no to every question and never opens a page.
	Decline bool
	// DeclineCheckout says yes to questions but will not open a page.
	DeclineCheckout bool
	// Abandon opens the page ("accept") but never completes it.
	Abandon bool
	// Delay is how long the human takes on the page after accepting.
	Delay time.Duration
	// HTTP opens pages (http.DefaultClient if nil).
	HTTP *http.Client

	mu   sync.Mutex
	seen []mcp.ElicitationParams
	wg   sync.WaitGroup
	errs []error
}

// Elicit answers one request. A URL is opened only on loopback: a test
// never dials out, and a URL elsewhere is a failure it reports.
func (h *Human) Elicit(_ context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	p := req.Params
	h.mu.Lock()
	h.seen = append(h.seen, p)
	h.mu.Unlock()
	if h.Decline || (h.DeclineCheckout && p.Mode == mcp.ElicitationModeURL) {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
	}
	if p.Mode != mcp.ElicitationModeURL {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{
			Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
	}
	u, err := url.Parse(p.URL)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
		return nil, fmt.Errorf("humantest: will not open %q: not a loopback http URL", p.URL)
	}
	if h.Abandon {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}, nil
	}
	h.wg.Add(1)
	go func() { // the human works on the page after telling the host "yes, open it"
		defer h.wg.Done()
		time.Sleep(h.Delay)
		hc := h.HTTP
		if hc == nil {
			hc = http.DefaultClient
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := sandbox.CompleteCheckout(ctx, hc, p.URL); err != nil {
			h.mu.Lock()
			h.errs = append(h.errs, err)
			h.mu.Unlock()
		}
	}()
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept}}, nil
}

// Wait returns when every page the human opened is done, with the first
// error a page gave.
func (h *Human) Wait() error {
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) > 0 {
		return h.errs[0]
	}
	return nil
}

// Seen is every request the human was asked, in order.
func (h *Human) Seen() []mcp.ElicitationParams {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]mcp.ElicitationParams(nil), h.seen...)
}
