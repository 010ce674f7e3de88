package tools

import (
	"context"
	"time"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
)

// StoreCredentials is the tests' copy of app's store-to-client adapter
// (wiring lives in app; these tests build their own client).
type StoreCredentials struct{ Store *credentials.Store }

func (c StoreCredentials) Secrets(ctx context.Context) (hqclient.Secrets, error) {
	v, err := c.Store.Get(ctx)
	return hqclient.Secrets{AccountID: v.AccountID, PIN: v.PIN, APIKey: v.APIKey, Token: v.Token, TokenExpiresAt: v.TokenExpiresAt}, err
}

func (c StoreCredentials) SaveToken(ctx context.Context, token string, exp time.Time) error {
	return c.Store.SaveToken(ctx, token, exp)
}
