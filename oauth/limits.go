package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address rate limits count: the peer, or, when the peer
// is a trusted balancer, the last address in X-Forwarded-For that is not
// one (the balancer appends the address it saw; anything to its left was
// written by the client and proves nothing).
func (s *Server) clientAddr(r *http.Request) string {
	return ClientAddr(r, s.o.TrustedProxies)
}

// ClientAddr is clientAddr for any caller that limits by address.
func ClientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !inPrefixes(peer, trusted) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !inPrefixes(a, trusted) {
			return a.String()
		}
	}
	return peer.String()
}

// AddressKey is what one client counts under in a limit by address: an
// IPv4 address, or the /64 of an IPv6 one (a host holds a whole /64, and
// would otherwise have 2^64 budgets). Every limit by address uses it.
func AddressKey(addr string) netip.Prefix {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{} // unparseable: one shared count
	}
	a = a.Unmap()
	bits := 32
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// limitAddr is the request's client as its limits by address count it.
func (s *Server) limitAddr(r *http.Request) string {
	return AddressKey(s.clientAddr(r)).String()
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// accountKey names an account in limit keys without keeping its secret:
// a key's or an email's hash.
func accountKey(kind, v string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + strings.ToLower(strings.TrimSpace(v))))
	return "rl:fail:" + kind + ":" + hex.EncodeToString(sum[:12])
}

// signInAllowed counts one attempt from this address and says whether it
// may go on: under the address limit, and the account not locked by its
// recent failures. why is shown to the person.
func (s *Server) signInAllowed(ctx context.Context, r *http.Request, account string) (ok bool, why string, err error) {
	n, err := s.store.Incr(ctx, "rl:signin:"+s.limitAddr(r), s.o.Limits.Window)
	if err != nil {
		return false, "", err
	}
	if n > s.o.Limits.SignInPerAddress {
		return false, "Too many sign-in attempts from your address. Wait a few minutes and try again.", nil
	}
	if account != "" {
		f, err := s.store.Count(ctx, account)
		if err != nil {
			return false, "", err
		}
		if f >= s.o.Limits.FailuresPerAccount {
			return false, "Too many failed sign-ins for this account. Wait a few minutes and try again.", nil
		}
	}
	return true, "", nil
}

// failed counts a refused sign-in against the account.
func (s *Server) failed(ctx context.Context, account string) {
	if account == "" {
		return
	}
	if _, err := s.store.Incr(ctx, account, s.o.Limits.Window); err != nil {
		s.log.Warn().Err(err).Msg("oauth: could not count a failed sign-in")
	}
}
