package netguard

import (
	"context"
	"net"
	"testing"
)

func TestHostReason(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"localhost", "LOCALHOST.", "a.localhost", "127.0.0.1", "[::1]", "::1", "10.1.2.3", "192.168.0.1",
		"169.254.169.254", "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "::127.0.0.1", "::ffff:10.0.0.1", "100.64.0.1", "fe80::1", "0.0.0.0", "1.2.3.999",
		"::ffff:127.0.0.1", "[::ffff:7f00:1]"} {
		if HostReason(h) == "" {
			t.Errorf("%s passed as public", h)
		}
	}
	for _, h := range []string{"example.com", "93.184.216.34", "2606:4700::1111", "mcp.example.com."} {
		if why := HostReason(h); why != "" {
			t.Errorf("%s refused: %s", h, why)
		}
	}
}

// TestControlRefusesTheDialledAddress: the check sees the address after
// resolution, so a public-looking name that resolves inward is caught.
func TestControlRefusesTheDialledAddress(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := &net.Dialer{ControlContext: Control}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_, err = d.DialContext(context.Background(), "tcp", net.JoinHostPort("localhost", port))
	if why, ok := Refused(err); !ok || why == "" {
		t.Fatalf("dialling localhost: %v, want a refusal", err)
	}
}
