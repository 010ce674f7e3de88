package hqclient

import "context"

// IdempotencyKey is the key WithIdempotencyKey put in ctx ("" if none), for
// callers that make their own requests under the same logical call.
func IdempotencyKey(ctx context.Context) string {
	k, _ := ctx.Value(idemKey{}).(string)
	return k
}
