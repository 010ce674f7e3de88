package hqclient

import "context"

// IdempotencyKey is the key WithIdempotencyKey put in ctx ("" if none), for
// callers that make their own requests under the same logical call.
func IdempotencyKey(ctx context.Context) string {
	k, _ := ctx.Value(idemKey{}).(string)
	return k
}

type replayKey struct{}

// OnReplay makes the requests made with ctx call f when the service
// answers one from its idempotency record (Idempotent-Replayed: true): an
// earlier request with the same key did the work, and this one did
// nothing again.
func OnReplay(ctx context.Context, f func()) context.Context {
	return context.WithValue(ctx, replayKey{}, f)
}

func noteReplay(ctx context.Context) {
	if f, ok := ctx.Value(replayKey{}).(func()); ok {
		f()
	}
}
