package sandbox

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/myapihq/myapihq-mcp/internal/netguard"
)

// Webhook deliveries leave the machine the sandbox runs on: with the
// embedded sandbox, the user's. Unless Options.AllowPrivateWebhooks is set,
// a destination in the user's own network is refused when the webhook is
// registered and again when each delivery dials (the resolved address, so a
// name that later resolves inward is caught), and no redirect is followed
// (docs/api.md, "Webhook destinations"). What counts as the user's own
// network is internal/netguard's rule, shared with the OAuth server's
// client metadata fetches.

const privateHint = "start the sandbox with --allow-private-webhooks (MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS=1) to deliver to local receivers"

// checkWebhookURL is the registration check: the host as written. Names are
// checked again, resolved, when a delivery dials.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return &netguard.Refusal{Reason: "url is not a valid URL"}
	}
	if why := netguard.HostReason(u.Hostname()); why != "" {
		return &netguard.Refusal{Reason: fmt.Sprintf("url points at %s: refused; %s", why, privateHint)}
	}
	return nil
}

// dialControl runs after name resolution, on the address really dialled.
func dialControl(ctx context.Context, network, address string, c syscall.RawConn) error {
	if err := netguard.Control(ctx, network, address, c); err != nil {
		return &netguard.Refusal{Reason: fmt.Sprintf("%v: refused; %s", err, privateHint)}
	}
	return nil
}

// webhookClient is the client deliveries use: the caller's, or one whose
// dialer enforces the policy; either way it follows no redirect.
func webhookClient(o Options) *http.Client {
	hc := &http.Client{}
	if o.WebhookClient != nil {
		*hc = *o.WebhookClient
	} else {
		d := &net.Dialer{Timeout: 5 * time.Second}
		if !o.AllowPrivateWebhooks {
			d.ControlContext = dialControl
		}
		// No Proxy: a proxy would dial for us, past the check.
		hc.Transport = &http.Transport{DialContext: d.DialContext, ForceAttemptHTTP2: true,
			TLSHandshakeTimeout: 5 * time.Second, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return hc
}

// refused reports whether err is a policy refusal, and its reason.
func refused(err error) (string, bool) { return netguard.Refused(err) }
