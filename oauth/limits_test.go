package oauth

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	lb := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, c := range []struct {
		peer, xff string
		trusted   []netip.Prefix
		want      string
	}{
		{"203.0.113.9:5000", "1.2.3.4", nil, "203.0.113.9"},   // no trusted proxy: the header is ignored
		{"203.0.113.9:5000", "1.2.3.4", lb, "203.0.113.9"},    // the peer is not the balancer
		{"10.0.0.2:5000", "1.2.3.4", lb, "1.2.3.4"},           // the balancer says who
		{"10.0.0.2:5000", "6.6.6.6, 1.2.3.4", lb, "1.2.3.4"},  // the client's own entry proves nothing
		{"10.0.0.2:5000", "1.2.3.4, 10.0.0.7", lb, "1.2.3.4"}, // two balancers
		{"10.0.0.2:5000", "garbage", lb, "10.0.0.2"},          // unreadable: the balancer itself
		{"[::ffff:203.0.113.9]:5000", "", nil, "203.0.113.9"}, // mapped
	} {
		r := &http.Request{RemoteAddr: c.peer, Header: http.Header{}}
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := ClientAddr(r, c.trusted); got != c.want {
			t.Errorf("peer %s, XFF %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}

func TestAddressKey(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"192.0.2.7":               "192.0.2.7/32",
		"::ffff:192.0.2.7":        "192.0.2.7/32", // IPv4-mapped: the same host
		"2001:db8:1:2:aaaa::1":    "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::ffff": "2001:db8:1:2::/64",
		"not an address":          "invalid Prefix",
	} {
		if got := AddressKey(addr).String(); got != want {
			t.Errorf("AddressKey(%q) = %s, want %s", addr, got, want)
		}
	}
}
