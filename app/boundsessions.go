package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/remote"
)

// tenantSessions binds each pinned session of the multi-tenant mode to
// the caller that opened it: the id ends with a keyed hash of the caller,
// checked on every request. Authentication is still per request (the
// session proves nothing); this stops a caller with valid credentials of
// its own from using another tenant's session by learning its id, as in
// answering that tenant's consent question (session hijacking, in the MCP
// security best practices).
type tenantSessions struct {
	inner server.SessionIdManager
	key   []byte // per process: a pinned session lives in one replica
}

func newTenantSessions() *tenantSessions {
	k := make([]byte, 32)
	rand.Read(k) //nolint:errcheck // never fails on supported platforms
	return &tenantSessions{inner: &server.InsecureStatefulSessionIdManager{}, key: k}
}

func (s *tenantSessions) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	owner := ""
	if t, ok := remote.TenantFrom(r.Context()); ok {
		owner = t.Hash
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(owner))
	return boundSession{s.inner, hex.EncodeToString(m.Sum(nil)[:12])}
}

type boundSession struct {
	inner server.SessionIdManager
	tag   string
}

var errOtherCaller = errors.New("this session belongs to another caller")

func (b boundSession) Generate() string {
	id := b.inner.Generate()
	if id == "" {
		return ""
	}
	return id + "." + b.tag
}

func (b boundSession) own(sid string) (string, error) {
	id, tag, ok := strings.Cut(sid, ".")
	if !ok || subtle.ConstantTimeCompare([]byte(tag), []byte(b.tag)) != 1 {
		return "", errOtherCaller
	}
	return id, nil
}

func (b boundSession) Validate(sid string) (bool, error) {
	id, err := b.own(sid)
	if err != nil {
		return false, err
	}
	return b.inner.Validate(id)
}

func (b boundSession) Terminate(sid string) (bool, error) {
	id, err := b.own(sid)
	if err != nil {
		return true, err
	}
	return b.inner.Terminate(id)
}
