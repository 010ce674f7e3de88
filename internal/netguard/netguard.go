// Package netguard is the one rule for "is this destination the public
// internet?": the sandbox's webhook deliveries and the OAuth server's client
// metadata fetches both leave the machine on a URL someone else chose, and
// neither may reach the operator's own network (loopback, private ranges,
// link-local cloud metadata). Hosts are checked as written, and again on
// the address really dialled, so a name that later resolves inward (DNS
// rebinding) is caught. What is loopback is internal/loopback's rule.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"

	"github.com/myapihq/myapihq-mcp/internal/loopback"
)

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

// PrivateReason says why ip is not a public destination, or "".
func PrivateReason(ip netip.Addr) string {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	switch {
	case !ip.IsValid():
		return "not an IP address"
	case ip.IsUnspecified():
		return "the unspecified address"
	case loopback.IP(ip):
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

// HostReason is the check of a host as written in a URL (no resolution):
// localhost names, and IP literals in every spelling a resolver accepts.
// It says why the host is not public, or "" (a name is checked again when
// dialled, by Control).
func HostReason(host string) string {
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	ip, err := netip.ParseAddr(host)
	if err != nil && numericHost(host) {
		// 2130706433, 0x7f.1, 0177.0.0.1, 127.1: a resolver (inet_aton)
		// reads these as IPv4 addresses, as browsers do (a host whose last
		// label is a number is an address or invalid); no name ends in one.
		if ip, err = parseInetAton(host); err != nil {
			return "a host that ends in a number but is no IPv4 address"
		}
	}
	switch {
	case err == nil:
		if why := PrivateReason(ip); why != "" {
			return fmt.Sprintf("%s, %s", ip, why)
		}
	case loopback.Host(host) || strings.HasSuffix(host, ".localhost"):
		// Names under .localhost are this machine too (RFC 6761), whatever
		// a resolver would make of them.
		return "localhost, this machine"
	}
	return ""
}

// Refusal is a destination refused by policy.
type Refusal struct{ Reason string }

func (e *Refusal) Error() string { return e.Reason }

// Refused reports whether err is (or wraps) a policy refusal, and its reason.
func Refused(err error) (string, bool) {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason, true
	}
	return "", false
}

// Control is a net.Dialer ControlContext: it runs after name resolution,
// on the address really dialled, and refuses one that is not public.
func Control(_ context.Context, _, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return &Refusal{"unparseable destination address"}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &Refusal{"unparseable destination address"}
	}
	if why := PrivateReason(ip); why != "" {
		return &Refusal{fmt.Sprintf("destination %s is %s", ip, why)}
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
