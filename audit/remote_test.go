package audit

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/myapihq/myapihq-mcp/internal/redistest"
)

func startRedis(t *testing.T) *redis.Client { return redistest.Start(t) }

// TestRedisPerTenant: each tenant reads only its own trail, trimmed to
// Max, with a TTL; the log sees every entry.
func TestRedisPerTenant(t *testing.T) {
	t.Parallel()
	c := startRedis(t)
	ctx := context.Background()
	r := &Redis{C: c, Prefix: "test:", TTL: time.Hour, Max: 3}
	a, b := r.Tenant("tenant-a"), r.Tenant("tenant-b")
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 5 {
		if err := a.Append(ctx, entry(fmt.Sprintf("a_%d", i), t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Append(ctx, entry("b_0", t0)); err != nil {
		t.Fatal(err)
	}
	got, err := a.Since(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Tool != "a_2" || got[2].Tool != "a_4" || got[0].Tenant != "tenant-a" {
		t.Fatalf("tenant a: %+v", got)
	}
	if got, _ := b.Since(ctx, time.Time{}, 0); len(got) != 1 || got[0].Tool != "b_0" {
		t.Fatalf("tenant b: %+v", got)
	}
	if got, _ := a.Since(ctx, t0.Add(4*time.Second), 0); len(got) != 1 {
		t.Fatalf("since: %+v", got)
	}
	if got, _ := a.Since(ctx, time.Time{}, 2); len(got) != 2 || got[1].Tool != "a_4" {
		t.Fatalf("limit: %+v", got)
	}
	ttl, err := c.TTL(ctx, "test:audit:tenant-a").Result()
	if err != nil || ttl <= 0 || ttl > time.Hour {
		t.Fatalf("ttl %v, %v", ttl, err)
	}
	if err := r.Tenant("").Append(ctx, entry("x", t0)); err == nil || !strings.Contains(err.Error(), "no tenant") {
		t.Fatalf("an entry without a tenant: %v", err)
	}
}

// TestRedisDown: a Redis that cannot be reached fails the append with a
// WriteError, quickly.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	err := Recorder{Sink: (&Redis{C: c, Prefix: "x:"}).Tenant("t")}.Record(context.Background(),
		Call{Tool: "top_up", Outcome: Done, Consent: NoElicitation}, nil)
	if _, isWE := err.(*WriteError); !isWE {
		t.Fatalf("got %v", err)
	}
}
