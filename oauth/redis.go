package oauth

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is the Store replicas share: the remote mode's own Redis
// connection (its URL, password and timeouts), under its own key prefix.
// Every key has a TTL; a revoked grant is a deleted key, so the next
// request on any replica finds nothing.
type RedisStore struct {
	C      *redis.Client
	Prefix string // "myapihq:oauth:"
	swap   *redis.Script
}

// NewRedisStore uses c under the default prefix.
func NewRedisStore(c *redis.Client) *RedisStore {
	// The script is made here, not at package init: its hash would cost
	// every start of every mode.
	return &RedisStore{C: c, Prefix: "myapihq:oauth:", swap: redis.NewScript(swapScript)}
}

func (s *RedisStore) k(key string) string { return s.Prefix + key }

func (s *RedisStore) Put(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	return s.C.Set(ctx, s.k(key), val, ttl).Err()
}

func (s *RedisStore) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := s.C.Get(ctx, s.k(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	return b, err
}

func (s *RedisStore) Take(ctx context.Context, key string) ([]byte, error) {
	b, err := s.C.GetDel(ctx, s.k(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	return b, err
}

// swapScript is a compare-and-set: Redis runs a script alone, so two
// replicas rotating one refresh token cannot both win.
const swapScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`

func (s *RedisStore) Swap(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	n, err := s.swap.Run(ctx, s.C, []string{s.k(key)}, old, val, ttl.Milliseconds()).Int()
	return n == 1, err
}

func (s *RedisStore) Del(ctx context.Context, key string) error {
	return s.C.Del(ctx, s.k(key)).Err()
}

func (s *RedisStore) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	pipe := s.C.TxPipeline()
	n := pipe.Incr(ctx, s.k(key))
	pipe.ExpireNX(ctx, s.k(key), window)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return n.Val(), nil
}

func (s *RedisStore) Count(ctx context.Context, key string) (int64, error) {
	n, err := s.C.Get(ctx, s.k(key)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return n, err
}
