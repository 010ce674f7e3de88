package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Webhook deliveries leave the machine the sandbox runs on: with the
// embedded sandbox, the user's. Unless Options.AllowPrivateWebhooks is set,
// a destination in the user's own network is refused when the webhook is
// registered and again when each delivery dials (the resolved address, so a
// name that later resolves inward is caught), and no redirect is followed
// (docs/api.md, "Webhook destinations").

// blockedPrefixes are ranges that are not the public internet, beyond what
// netip's predicates name.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64: embeds an IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("100::/64"),       // discard
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("::/96"),          // unspecified, and IPv4-compatible (::127.0.0.1): embeds an IPv4 address
	netip.MustParsePrefix("::ffff:0:0/96"),  // mapped, caught by Unmap too
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
}

// privateReason says why ip is not a public destination, or "".
func privateReason(ip netip.Addr) string {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case !ip.IsValid():
		return "not an IP address"
	case ip.IsUnspecified():
		return "the unspecified address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address (cloud metadata lives there)"
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return "a reserved address"
		}
	}
	return ""
}

// destinationError is a delivery refused by policy: not retried.
type destinationError struct{ reason string }

func (e *destinationError) Error() string { return e.reason }

const privateHint = "start the sandbox with --allow-private-webhooks (MYAPI_SANDBOX_ALLOW_PRIVATE_WEBHOOKS=1) to deliver to local receivers"

// checkWebhookURL is the registration check: the host as written. Names are
// checked again, resolved, when a delivery dials.
func checkWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return &destinationError{"url is not a valid URL"}
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return &destinationError{fmt.Sprintf("url points at localhost, on the machine running the sandbox: refused; %s", privateHint)}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil && numericHost(host) {
		// 2130706433, 0x7f.1, 0177.0.0.1, 127.1: a resolver (inet_aton)
		// reads these as IPv4 addresses, as browsers do (a host whose last
		// label is a number is an address or invalid); no name ends in one.
		if ip, err = parseInetAton(host); err != nil {
			return &destinationError{"url's host ends in a number but is no IPv4 address: refused"}
		}
	}
	if err == nil {
		if why := privateReason(ip); why != "" {
			return &destinationError{fmt.Sprintf("url points at %s, %s: refused; %s", ip, why, privateHint)}
		}
	}
	return nil
}

// numericHost: the last label is a number (decimal, or 0x hex).
func numericHost(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if l := strings.TrimPrefix(last, "0x"); l != last {
		return strings.Trim(l, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// parseInetAton reads the classic IPv4 forms: 1 to 4 parts, each decimal,
// 0x hex or 0 octal, the last filling the remaining bytes.
func parseInetAton(host string) (netip.Addr, error) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, errors.New("too many parts")
	}
	var vals []uint64
	for _, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, err
		}
		vals = append(vals, v)
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, errors.New("part over 255")
		}
		n |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, errors.New("last part too large")
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), nil
}

// dialControl runs after name resolution, on the address really dialled.
func dialControl(_ context.Context, network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return &destinationError{"unparseable destination address"}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &destinationError{"unparseable destination address"}
	}
	if why := privateReason(ip); why != "" {
		return &destinationError{fmt.Sprintf("destination %s is %s: refused; %s", ip, why, privateHint)}
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
func refused(err error) (string, bool) {
	var de *destinationError
	if errors.As(err, &de) {
		return de.reason, true
	}
	return "", false
}
