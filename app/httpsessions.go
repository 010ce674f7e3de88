package app

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/internal/randid"
)

// MaxHTTPSessions bounds the live legacy-era sessions of the HTTP
// transport. Each costs the server about 13 KB until it ends (DELETE or
// the idle limit); without a bound, a client looping on initialize grew
// the server by 255 MB per 20,000 sessions.
const MaxHTTPSessions = 1000

// sessionIDs is the HTTP transport's session id manager: it issues ids
// that cannot be guessed, remembers the live ones (mcp-go's default
// accepts any well-formed id, so a session it ended stayed usable), and
// issues none beyond its bound: a client that initializes then goes on
// without a session, as a 2026-07-28 client does (its human-only tools
// refuse, saying why).
type sessionIDs struct {
	mu   sync.Mutex
	live map[string]struct{}
	max  int
	log  *zerolog.Logger
	full atomic.Bool // warned once per filling
}

const sessionPrefix = "mcp-session-"

func newSessionIDs(max int, log *zerolog.Logger) *sessionIDs {
	return &sessionIDs{live: map[string]struct{}{}, max: max, log: log}
}

func (s *sessionIDs) Generate() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.live) >= s.max {
		if !s.full.Swap(true) && s.log != nil {
			s.log.Warn().Int("sessions", len(s.live)).Msg("HTTP session limit reached: new clients get no session until some end")
		}
		return ""
	}
	id := sessionPrefix + randid.Hex(16)
	s.live[id] = struct{}{}
	return id
}

var errUnknownSession = errors.New("unknown session id")

// Validate: "" is a request without a session (served on its own, like a
// modern one); an id of ours that ended is terminated, so the client
// starts a new session; anything else was never issued here.
func (s *sessionIDs) Validate(id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	s.mu.Lock()
	_, ok := s.live[id]
	s.mu.Unlock()
	switch {
	case ok:
		return false, nil
	case strings.HasPrefix(id, sessionPrefix):
		return true, nil
	}
	return false, errUnknownSession
}

func (s *sessionIDs) Terminate(id string) (bool, error) {
	s.mu.Lock()
	delete(s.live, id)
	if len(s.live) < s.max {
		s.full.Store(false)
	}
	s.mu.Unlock()
	return false, nil
}
