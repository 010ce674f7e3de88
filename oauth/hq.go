package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// HQ is all the server asks of MyAPIHQ: whether a sign-in is good, and,
// for a human who picked a linked agent, a key for that agent. Every
// method takes the secrets the person typed; none keeps them.
type HQ interface {
	// Agent checks an agent's API key, and its PIN when one is given
	// (then the account is named: the API names no account from a key).
	Agent(ctx context.Context, apiKey, pin string) (Account, error)
	// Human logs a human in and lists the agents linked to them.
	Human(ctx context.Context, email, password string) ([]Account, error)
	// AgentByPIN names the agent account a PIN opens.
	AgentByPIN(ctx context.Context, pin string) (Account, error)
	// NewKey creates an API key on the PIN's agent account.
	NewKey(ctx context.Context, pin, name string) (key, keyID string, err error)
	// RevokeKey revokes a key NewKey made.
	RevokeKey(ctx context.Context, pin, keyID string) error
}

// Account is an agent account as the pages show it.
type Account struct {
	ID    string
	Label string
}

// ErrRefused: MyAPIHQ said no to the secrets given (as opposed to being
// unreachable, which is any other error).
var ErrRefused = errors.New("refused by MyAPIHQ")

// HQClient is HQ over hqclient: New makes a client for the given
// credentials (the remote mode's: pooled transport, metrics).
type HQClient struct {
	New func(hqclient.Credentials) (*hqclient.Client, error)
}

func (h HQClient) client(s hqclient.Secrets) (*hqclient.Client, error) {
	return h.New(hqclient.NewStaticCredentials(s))
}

// hqFailure is what a call's failure becomes: the HQ's "no" is ErrRefused;
// any other error keeps its cause but its text is masked of the secrets
// the call was given (it is logged, and a hostile or broken service could
// echo them in its message).
func hqFailure(err error, secrets ...mask.Secret) error {
	if e, ok := hqclient.AsError(err); ok && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden ||
		e.Status == http.StatusNotFound || e.Code == hqclient.CodeNoAPIKey || e.Code == hqclient.CodeNoToken) {
		return ErrRefused
	}
	return mask.New(secrets...).Err(err)
}

func (h HQClient) Agent(ctx context.Context, apiKey, pin string) (Account, error) {
	secrets := []mask.Secret{{Kind: mask.Key, Value: apiKey}, {Kind: mask.PIN, Value: pin}}
	creds := hqclient.NewStaticCredentials(hqclient.Secrets{APIKey: apiKey, PIN: pin})
	c, err := h.New(creds)
	if err != nil {
		return Account{}, err
	}
	// Listing orgs is the cheapest call the key alone authorises.
	if _, err := c.ListOrgs(ctx); err != nil {
		return Account{}, hqFailure(err, secrets...)
	}
	if pin == "" {
		return Account{}, nil
	}
	tok, err := c.AgentToken(ctx, pin)
	if err != nil {
		return Account{}, hqFailure(err, secrets...)
	}
	creds.Update(func(s *hqclient.Secrets) { s.Token, s.TokenExpiresAt = tok.Data.Token, tok.Data.ExpiresAt() })
	// The key must be one of the PIN's account: else the connection would
	// act for two accounts at once. The list shows each key's first and
	// last characters; a service that shows neither is taken at its word.
	keys, err := c.ListKeys(ctx)
	if err != nil {
		return Account{}, hqFailure(err, secrets...)
	}
	shown, match := false, false
	for _, k := range keys.Data {
		if k.Prefix != "" && k.Last4 != "" {
			shown = true
			if len(apiKey) >= len(k.Prefix)+len(k.Last4) && apiKey[:len(k.Prefix)] == k.Prefix && apiKey[len(apiKey)-len(k.Last4):] == k.Last4 {
				match = true
			}
		}
	}
	if shown && !match {
		return Account{}, ErrRefused
	}
	return Account{ID: tok.Data.AccountID}, nil
}

func (h HQClient) Human(ctx context.Context, email, password string) ([]Account, error) {
	c, err := h.client(hqclient.Secrets{})
	if err != nil {
		return nil, err
	}
	tok, err := c.Login(ctx, hqclient.EmailPassword{Email: email, Password: password})
	if err != nil {
		return nil, hqFailure(err, mask.Secret{Kind: mask.PIN, Value: password})
	}
	hc, err := h.client(hqclient.Secrets{Token: tok.Data.Token})
	if err != nil {
		return nil, err
	}
	agents, err := hc.ListAgents(ctx)
	if err != nil {
		return nil, hqFailure(err, mask.Secret{Kind: mask.PIN, Value: password})
	}
	var out []Account
	for _, a := range agents.Data {
		out = append(out, Account{ID: a.AccountID, Label: a.Label})
	}
	return out, nil
}

func (h HQClient) AgentByPIN(ctx context.Context, pin string) (Account, error) {
	c, err := h.client(hqclient.Secrets{})
	if err != nil {
		return Account{}, err
	}
	tok, err := c.AgentToken(ctx, pin)
	if err != nil {
		return Account{}, hqFailure(err, mask.Secret{Kind: mask.PIN, Value: pin})
	}
	return Account{ID: tok.Data.AccountID}, nil
}

func (h HQClient) NewKey(ctx context.Context, pin, name string) (string, string, error) {
	c, err := h.client(hqclient.Secrets{PIN: pin})
	if err != nil {
		return "", "", err
	}
	k, err := c.CreateKey(ctx, hqclient.CreateKeyRequest{Name: name})
	if err != nil {
		return "", "", hqFailure(err, mask.Secret{Kind: mask.PIN, Value: pin})
	}
	if k.Data.APIKey == "" {
		return "", "", errors.New("MyAPIHQ made a key but did not return it")
	}
	return k.Data.APIKey, k.Data.ID, nil
}

func (h HQClient) RevokeKey(ctx context.Context, pin, keyID string) error {
	c, err := h.client(hqclient.Secrets{PIN: pin})
	if err != nil {
		return err
	}
	_, err = c.RevokeKey(ctx, keyID)
	return hqFailure(err, mask.Secret{Kind: mask.PIN, Value: pin})
}
