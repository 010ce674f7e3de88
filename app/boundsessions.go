package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/internal/randid"
	"github.com/myapihq/myapihq-mcp/remote"
)

// tenantSessions binds each pinned session of the multi-tenant mode to
// the caller that opened it: the id ends with a keyed hash of the caller,
// checked on every request. Authentication is still per request (the
// session proves nothing); this stops a caller with valid credentials of
// its own from using another tenant's session by learning its id, as in
// answering that tenant's consent question (session hijacking, in the MCP
// security best practices). The ids themselves, their bound and their
// ending are the HTTP transport's (httpsessions.go).
type tenantSessions struct {
	inner server.SessionIdManager
	key   []byte // per process: a pinned session lives in one replica
}

func newTenantSessions(inner server.SessionIdManager) *tenantSessions {
	return &tenantSessions{inner: inner, key: randid.Bytes(32)}
}

// ResolveSessionIdManager gives a request the sessions of its caller. The
// transport itself (its idle sweeper, its shutdown) asks with no request:
// it may end any caller's session.
func (s *tenantSessions) ResolveSessionIdManager(r *http.Request) server.SessionIdManager {
	if r == nil {
		return boundSession{inner: s.inner, anyCaller: true}
	}
	owner := ""
	if t, ok := remote.TenantFrom(r.Context()); ok {
		owner = t.Hash
	}
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(owner))
	return boundSession{inner: s.inner, tag: hex.EncodeToString(m.Sum(nil)[:12])}
}

type boundSession struct {
	inner     server.SessionIdManager
	tag       string
	anyCaller bool
}

var errOtherCaller = errors.New("this session belongs to another caller")

func (b boundSession) Generate() string {
	id := b.inner.Generate()
	if id == "" || b.anyCaller {
		return id
	}
	return id + "." + b.tag
}

// own is the transport's id within sid, if sid is this caller's. A
// request without a session is the transport's to judge.
func (b boundSession) own(sid string) (string, error) {
	if sid == "" {
		return "", nil
	}
	id, tag, ok := strings.Cut(sid, ".")
	if !ok || (!b.anyCaller && subtle.ConstantTimeCompare([]byte(tag), []byte(b.tag)) != 1) {
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
