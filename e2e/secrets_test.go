package e2e

import (
	"regexp"
	"strings"
	"sync"
	"testing"
)

// scanner is the one secret check every e2e test uses: it knows the
// secrets a test created, and also fails on anything shaped like a full JWT
// or API key, even one the test never saw. Masked forms (eyJ…wxyz,
// hq_live_…a1b2) do not match.
type scanner struct {
	mu      sync.Mutex
	secrets map[string]string
	texts   map[string]string
}

var secretShapes = map[string]*regexp.Regexp{
	"a JWT":      regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`),
	"an API key": regexp.MustCompile(`hq_live_[a-z2-7]{32,}`),
}

func newScanner() *scanner {
	return &scanner{secrets: map[string]string{}, texts: map[string]string{}}
}

// secret adds a value that must appear nowhere.
func (s *scanner) secret(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[name] = value
}

// text adds something to search: a result, stderr, a log file.
func (s *scanner) text(where, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.texts[where] += text
}

// check fails the test for every secret found, and for an empty haul (a
// scan of nothing proves nothing).
func (s *scanner) check(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for where, text := range s.texts {
		total += len(text)
		for name, secret := range s.secrets {
			if len(secret) < 8 {
				t.Errorf("secret %s is too short to scan for: %q", name, secret)
			} else if strings.Contains(text, secret) {
				t.Errorf("%s leaked into %s", name, where)
			}
		}
		for name, re := range secretShapes {
			if m := re.FindString(text); m != "" {
				t.Errorf("%s (%.16s…) in %s", name, m, where)
			}
		}
	}
	if total == 0 {
		t.Error("the secret scan had nothing to read")
	}
}
