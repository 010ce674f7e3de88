package hqclient_test

import (
	"context"
	"testing"

	"github.com/myapihq/myapihq-mcp/sandbox"
)

// BenchmarkRoundTrip is one client → sandbox → client exchange on loopback
// TCP (httptest), with auth, the sandbox's transaction and JSON both ways.
func BenchmarkRoundTrip(b *testing.B) {
	e := newEnv(b, sandbox.Options{RateLimit: -1})
	c, _, _ := e.agent("bench")
	ctx := context.Background()
	b.Run("GetBalance", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Balance(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ListOrgs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.ListOrgs(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
