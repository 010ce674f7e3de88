package audit

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Redis keeps the multi-tenant mode's trails, one list per tenant, newest
// first, each kept for TTL after its last entry and cut to Max entries of
// at most maxRedisLine bytes, so an idle tenant's trail expires and a busy
// one's cannot grow without bound in a Redis that evicts nothing (the
// consent nonces beside it must not be pushed out).
type Redis struct {
	C      *redis.Client
	Prefix string        // "myapihq:"
	TTL    time.Duration // default 30 days
	Max    int64         // default 200 entries per tenant
}

// Redis defaults.
const (
	DefaultRedisTTL = 30 * 24 * time.Hour
	DefaultRedisMax = 200
	// maxRedisLine bounds one entry in Redis: larger arguments are
	// dropped, the rest of the entry kept.
	maxRedisLine = 2 << 10
)

// Tenant is one tenant's trail; tenant is its id (a hash, never its key).
func (r *Redis) Tenant(tenant string) *TenantTrail { return &TenantTrail{r: r, tenant: tenant} }

// TenantTrail is a Sink and a Source for one tenant.
type TenantTrail struct {
	r      *Redis
	tenant string
}

func (t *TenantTrail) key() string { return t.r.Prefix + "audit:" + t.tenant }

func (t *TenantTrail) ttl() time.Duration {
	if t.r.TTL > 0 {
		return t.r.TTL
	}
	return DefaultRedisTTL
}

func (t *TenantTrail) max() int64 {
	if t.r.Max > 0 {
		return t.r.Max
	}
	return DefaultRedisMax
}

// Append pushes e (stamped with the tenant), trims and renews the TTL in
// one transaction.
func (t *TenantTrail) Append(ctx context.Context, e Entry) error {
	if t.tenant == "" {
		return &WriteError{Where: "redis", Err: errors.New("no tenant")}
	}
	e.Tenant = t.tenant
	line, err := json.Marshal(e)
	if err == nil && len(line) > maxRedisLine {
		e.Args = map[string]any{"…": "arguments too large to keep"}
		line, err = json.Marshal(e)
	}
	if err != nil {
		return &WriteError{Where: "redis", Err: err}
	}
	pipe := t.r.C.TxPipeline()
	pipe.LPush(ctx, t.key(), line)
	pipe.LTrim(ctx, t.key(), 0, t.max()-1)
	pipe.Expire(ctx, t.key(), t.ttl())
	if _, err := pipe.Exec(ctx); err != nil {
		return &WriteError{Where: "redis", Err: err}
	}
	return nil
}

// Since reads the tenant's entries at or after since, oldest first.
func (t *TenantTrail) Since(ctx context.Context, since time.Time, limit int) ([]Entry, error) {
	stop := int64(-1)
	if limit > 0 {
		stop = int64(limit) - 1 // the list is newest first
	}
	lines, err := t.r.C.LRange(ctx, t.key(), 0, stop).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(lines))
	for i := len(lines) - 1; i >= 0; i-- {
		var e Entry
		if json.Unmarshal([]byte(lines[i]), &e) != nil || e.Time.Before(since) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// Log writes each entry to the structured log as one "audit" event: the
// remote mode's operators read the trail where they read everything else.
type Log struct{ L zerolog.Logger }

// Append logs e.
func (l Log) Append(_ context.Context, e Entry) error {
	ev := l.L.Info().Str("event", "audit").Time("at", e.Time).Str("tool", e.Tool).
		Str("outcome", string(e.Outcome)).Str("consent", string(e.Consent))
	if e.Tenant != "" {
		ev = ev.Str("tenant", e.Tenant)
	}
	if e.Profile != "" {
		ev = ev.Str("profile", e.Profile)
	}
	if e.AmountCents != 0 {
		ev = ev.Int64("amount_cents", e.AmountCents)
	}
	if len(e.Args) > 0 {
		ev = ev.Interface("args", e.Args)
	}
	if e.Detail != "" {
		ev = ev.Str("detail", e.Detail)
	}
	ev.Msg("audit")
	return nil
}

// Tee appends to every sink; it fails if any does, after trying them all.
type Tee []Sink

// Append appends e to each sink.
func (t Tee) Append(ctx context.Context, e Entry) error {
	var errs []error
	for _, s := range t {
		if err := s.Append(ctx, e); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
