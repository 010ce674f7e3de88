package loopback

import "testing"

func TestLoopback(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{"localhost": true, "LOCALHOST": true, "127.0.0.1": true, "127.8.9.1": true, "::1": true,
		"[::1]": true, "::ffff:127.0.0.1": true, "0.0.0.0": false, "10.0.0.1": false, "example.com": false, "": false, "localhost.evil.com": false} {
		if got := Host(in); got != want {
			t.Errorf("Host(%q) = %v", in, got)
		}
	}
	for in, want := range map[string]bool{"127.0.0.1:8080": true, "[::1]:0": true, "localhost:1": true, "0.0.0.0:8080": false,
		":8080": false, "127.0.0.1": false} {
		if got := Addr(in); got != want {
			t.Errorf("Addr(%q) = %v", in, got)
		}
	}
	for in, want := range map[string]bool{"127.0.0.1:8080": true, "127.0.0.1": true, "[::1]": true, "evil.com:80": false} {
		if got := HostPort(in); got != want {
			t.Errorf("HostPort(%q) = %v", in, got)
		}
	}
}
