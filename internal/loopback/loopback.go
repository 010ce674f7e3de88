// Package loopback says whether a host or an address is this machine's
// own (127.0.0.0/8, ::1, localhost): what may listen or be reached without
// the precautions the rest of the network needs. It is the one loopback
// rule: internal/netguard's refusal of private destinations builds on it.
package loopback

import (
	"net"
	"net/netip"
	"strings"
)

// IP: a loopback address, IPv4-mapped ones (::ffff:127.0.0.1) included.
func IP(ip netip.Addr) bool { return ip.Unmap().IsLoopback() }

// Host: localhost (any case) or a loopback IP, with or without the
// brackets of an IPv6 literal.
func Host(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && IP(ip)
}

// Addr: a host:port whose host is loopback.
func Addr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && Host(host)
}

// HostPort: a Host header or a bare host, with or without its port.
func HostPort(hostport string) bool {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return Host(h)
	}
	return Host(hostport)
}
