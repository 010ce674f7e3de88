package toolkit

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// TestProgressTrackerCounts: a progress line on stdio and an SSE event over
// HTTP count for their token; other messages do not; a wait ends when all
// that was sent is written, or at its bound.
func TestProgressTrackerCounts(t *testing.T) {
	t.Parallel()
	tr := NewProgressTracker()
	var out bytes.Buffer
	w := tr.Writer(&out)
	tr.noteSent(`"a"`)
	tr.noteSent(`7`)
	tr.noteSent(`7`)
	done := make(chan bool, 1)
	go func() { done <- tr.wait(context.Background(), `7`) }()
	w.Write([]byte(`{"jsonrpc":"2.0","id":7,"result":{"content":[]}}` + "\n")) // a response, not progress
	w.Write([]byte(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1}}` + "\n"))
	select {
	case <-done:
		t.Fatal("the wait ended after one of two notifications")
	case <-time.After(20 * time.Millisecond):
	}
	rec := httptest.NewRecorder()
	tr.ResponseWriter(rec).Write([]byte("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":7.0,\"progress\":2}}\n\n"))
	if !<-done || !rec.Flushed {
		t.Fatal("the wait did not end when both were written, flushed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if tr.wait(ctx, `"a"`) {
		t.Fatal("a notification never written counted as written")
	}
}
