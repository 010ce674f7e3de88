package app

import (
	"context"
	"time"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
)

// storeCredentials lets hqclient read the profile's secrets from the store
// (hqclient knows no store, the store knows no HTTP: app joins them).
type storeCredentials struct{ store *credentials.Store }

func (c storeCredentials) Secrets(ctx context.Context) (hqclient.Secrets, error) {
	v, err := c.store.Get(ctx)
	return hqclient.Secrets{AccountID: v.AccountID, PIN: v.PIN, APIKey: v.APIKey, Token: v.Token, TokenExpiresAt: v.TokenExpiresAt}, err
}

func (c storeCredentials) SaveToken(ctx context.Context, token string, exp time.Time) error {
	return c.store.SaveToken(ctx, token, exp)
}
