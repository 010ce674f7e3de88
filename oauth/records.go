package oauth

import (
	"context"
	"encoding/json"
	"time"
)

// Every record is JSON sealed under its store key (seal.go).

func (s *Server) putRecord(ctx context.Context, key string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.store.Put(ctx, key, s.seal.seal(key, b), ttl)
}

// getRecord reads key into v; ErrNotFound when absent. A record that does
// not open (another state key, tampering) counts as absent, and is logged.
func (s *Server) getRecord(ctx context.Context, key string, v any) error {
	raw, err := s.store.Get(ctx, key)
	if err != nil {
		return err
	}
	return s.openRecord(key, raw, v)
}

// takeRecord is getRecord that also deletes it, atomically.
func (s *Server) takeRecord(ctx context.Context, key string, v any) error {
	raw, err := s.store.Take(ctx, key)
	if err != nil {
		return err
	}
	return s.openRecord(key, raw, v)
}

func (s *Server) openRecord(key string, raw []byte, v any) error {
	b, err := s.seal.open(key, raw)
	if err != nil {
		s.log.Warn().Str("record", recordKind(key)).Msg("oauth: a stored record does not open with this MYAPI_STATE_KEY: treated as absent (is the key the same on every replica?)")
		return ErrNotFound
	}
	if json.Unmarshal(b, v) != nil {
		return ErrNotFound
	}
	return nil
}

// recordKind is the part of a key before its id, for logs.
func recordKind(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] == ':' {
			return key[:i]
		}
	}
	return key
}
