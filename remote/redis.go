package remote

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the state replicas share: pending retry keys, used consent
// nonces and the per-tenant rate windows. Keys hold tenant hashes and
// hashes of calls, never a credential.
type Redis struct {
	C         *redis.Client
	Prefix    string // "myapihq:"
	PerSecond int    // the rate limit; <= 0 is none
}

// NewRedis connects lazily to url (redis://host:port/db).
func NewRedis(url string, perSecond int) (*Redis, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("--redis: %w", err)
	}
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, time.Second, time.Second
	opt.MaxRetries = 1
	return &Redis{C: redis.NewClient(opt), Prefix: "myapihq:", PerSecond: perSecond}, nil
}

// Ping is the readiness check.
func (r *Redis) Ping(ctx context.Context) error { return r.C.Ping(ctx).Err() }

func (r *Redis) retryKey(client, call string) string {
	return r.Prefix + "retry:" + client + ":" + Hash(call)
}

// Take returns and forgets the pending key of a call ("" when none).
func (r *Redis) Take(ctx context.Context, client, call string) (string, error) {
	k, err := r.C.GetDel(ctx, r.retryKey(client, call)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	return k, err
}

// Keep records a call's key for ttl.
func (r *Redis) Keep(ctx context.Context, client, call, key string, ttl time.Duration) error {
	return r.C.Set(ctx, r.retryKey(client, call), key, ttl).Err()
}

// Drop forgets every pending key of a client.
func (r *Redis) Drop(ctx context.Context, client string) error {
	iter := r.C.Scan(ctx, 0, r.Prefix+"retry:"+client+":*", 100).Iterator()
	for iter.Next(ctx) {
		if err := r.C.Del(ctx, iter.Val()).Err(); err != nil {
			return err
		}
	}
	return iter.Err()
}

// Use records a nonce until its expiry; first is false when it was used.
func (r *Redis) Use(ctx context.Context, nonce string, until time.Time) (bool, error) {
	ttl := time.Until(until)
	if ttl <= 0 {
		return false, nil
	}
	return r.C.SetNX(ctx, r.Prefix+"nonce:"+Hash(nonce), 1, ttl).Result()
}

// Allow is a fixed one-second window shared by all replicas.
func (r *Redis) Allow(ctx context.Context, tenant string) (bool, time.Duration, error) {
	if r.PerSecond <= 0 {
		return true, 0, nil
	}
	now := time.Now()
	k := fmt.Sprintf("%srate:%s:%d", r.Prefix, tenant, now.Unix())
	pipe := r.C.TxPipeline()
	n := pipe.Incr(ctx, k)
	pipe.Expire(ctx, k, 2*time.Second)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, 0, err
	}
	if n.Val() > int64(r.PerSecond) {
		return false, time.Unix(now.Unix()+1, 0).Sub(now), nil
	}
	return true, 0, nil
}
