// Package loopback says whether a host or an address is this machine's
// own (127.0.0.0/8, ::1, localhost): what may listen or be reached without
// the precautions the rest of the network needs.
package loopback

import (
	"net"
	"strings"
)

// Host: localhost (any case) or a loopback IP, with or without the
// brackets of an IPv6 literal.
func Host(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
