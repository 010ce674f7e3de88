package toolkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Progress must reach the client before the response of its call (the
// spec allows progress only for active requests, and clients drop late
// ones). mcp-go queues notifications to a writer goroutine while the
// response is written directly, so a call's last notification could come
// after its response (over HTTP it could even be dropped). The transport's
// writer is wrapped in a ProgressTracker, which counts the progress
// notifications it writes per token; before a call returns, the progress
// step waits until every notification it sent has been written.

// progressWait bounds that wait (a client that stops reading must not
// hold the call forever).
const progressWait = 5 * time.Second

// ProgressTracker counts written progress notifications per token.
type ProgressTracker struct {
	mu      sync.Mutex
	changed chan struct{}
	sent    map[string]int
	written map[string]int
}

// NewProgressTracker makes a tracker; wrap the transport's writer with it
// and put it in the requests' context (WithProgressTracker).
func NewProgressTracker() *ProgressTracker {
	return &ProgressTracker{changed: make(chan struct{}), sent: map[string]int{}, written: map[string]int{}}
}

type progressTrackerKey struct{}

// WithProgressTracker makes the calls under ctx wait for their progress.
func WithProgressTracker(ctx context.Context, t *ProgressTracker) context.Context {
	return context.WithValue(ctx, progressTrackerKey{}, t)
}

func progressTrackerFrom(ctx context.Context) *ProgressTracker {
	t, _ := ctx.Value(progressTrackerKey{}).(*ProgressTracker)
	return t
}

// Writer wraps w (stdio's stdout); every Write carries one message.
func (t *ProgressTracker) Writer(w io.Writer) io.Writer { return trackedWriter{w, t} }

// ResponseWriter wraps an HTTP response writer, keeping it a Flusher.
func (t *ProgressTracker) ResponseWriter(w http.ResponseWriter) http.ResponseWriter {
	return &trackedResponseWriter{ResponseWriter: w, t: t}
}

type trackedWriter struct {
	w io.Writer
	t *ProgressTracker
}

func (tw trackedWriter) Write(p []byte) (int, error) {
	n, err := tw.w.Write(p)
	if err == nil {
		tw.t.observe(p)
	}
	return n, err
}

type trackedResponseWriter struct {
	http.ResponseWriter
	t *ProgressTracker
}

func (tw *trackedResponseWriter) Write(p []byte) (int, error) {
	n, err := tw.ResponseWriter.Write(p)
	if err == nil && bytes.Contains(p, progressMethod) {
		if f, isFlusher := tw.ResponseWriter.(http.Flusher); isFlusher {
			f.Flush() // on the wire, not in a buffer, before it counts
		}
		tw.t.observe(p)
	}
	return n, err
}

func (tw *trackedResponseWriter) Flush() {
	if f, isFlusher := tw.ResponseWriter.(http.Flusher); isFlusher {
		f.Flush()
	}
}

func (tw *trackedResponseWriter) Unwrap() http.ResponseWriter { return tw.ResponseWriter }

var progressMethod = []byte(`"notifications/progress"`)

// observe counts p if it is a progress notification (a JSON line, or an
// SSE event with one data line).
func (t *ProgressTracker) observe(p []byte) {
	if !bytes.Contains(p, progressMethod) {
		return
	}
	start, end := bytes.IndexByte(p, '{'), bytes.LastIndexByte(p, '}')
	if start < 0 || end < start {
		return
	}
	var n struct {
		Method string `json:"method"`
		Params struct {
			Token json.RawMessage `json:"progressToken"`
		} `json:"params"`
	}
	if json.Unmarshal(p[start:end+1], &n) != nil || n.Method != string(mcp.MethodNotificationProgress) {
		return
	}
	key := tokenKey(n.Params.Token)
	t.mu.Lock()
	t.written[key]++
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
}

func tokenKey(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (t *ProgressTracker) noteSent(key string) {
	t.mu.Lock()
	t.sent[key]++
	t.mu.Unlock()
}

// wait until every notification sent under key has been written.
func (t *ProgressTracker) wait(ctx context.Context, key string) bool {
	timer := time.NewTimer(progressWait)
	defer timer.Stop()
	for {
		t.mu.Lock()
		done := t.written[key] >= t.sent[key]
		if done {
			delete(t.written, key)
			delete(t.sent, key)
		}
		changed := t.changed
		t.mu.Unlock()
		if done {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// callProgress is one call's progress token and where it is tracked.
type callProgress struct {
	token   mcp.ProgressToken
	tracker *ProgressTracker
	sent    bool
}

// SendProgress sends a progress notification if the call asked for them.
func SendProgress(ctx context.Context, progress, total int, message string) {
	c := CallFrom(ctx)
	srv := server.ServerFromContext(ctx)
	if c == nil || c.progress == nil || srv == nil {
		return
	}
	p := c.progress
	err := srv.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), map[string]any{
		"progressToken": p.token, "progress": progress, "total": total, "message": message,
	})
	if err == nil && p.tracker != nil {
		b, _ := json.Marshal(p.token)
		p.tracker.noteSent(tokenKey(b))
		p.sent = true
	}
}

// flush waits, before the call's response, for its progress to be written.
func (p *callProgress) flush(ctx context.Context) {
	if p.tracker == nil || !p.sent {
		return
	}
	b, _ := json.Marshal(p.token)
	// A cancelled call (the client gave up, or the server is stopping, when
	// the writer may be gone) waits for nothing.
	p.tracker.wait(ctx, tokenKey(b))
}
