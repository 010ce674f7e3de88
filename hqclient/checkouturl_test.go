package hqclient

import "testing"

// TestCheckoutURLIsAWebPage: the rule for the page a human is sent to,
// from a live service (https) and from a loopback one (the sandbox).
func TestCheckoutURLIsAWebPage(t *testing.T) {
	t.Parallel()
	live, _ := New(Options{BaseURL: "https://api.myapihq.com"})
	local, _ := New(Options{BaseURL: "http://127.0.0.1:8080"})
	for _, c := range []struct {
		c    *Client
		url  string
		good bool
	}{
		{live, "https://checkout.myapihq.com/c/cs_123#frag", true},
		{live, "https://checkout.stripe.com/c/pay/cs_test_a1#fidkdWxOYHwnPyd1", true},
		{live, "http://127.0.0.1:8080/checkout/cs_1", false}, // loopback from a live service
		{live, "https://10.0.0.7/checkout", false},
		{live, "https://[::ffff:127.0.0.1]/checkout", false},
		{live, "https://2130706433/checkout", false},
		{live, "http://checkout.myapihq.com/c", false},
		{live, "https://xn--pple-43d.com/c", true}, // punycode shows as it is
		{live, "https://аpple.com/c", false},
		{live, "https://myapihq.com@evil.example/c", false},
		{live, "javascript:alert(1)", false},
		{live, "https:evil.example", false},
		{live, "", false},
		{local, "http://127.0.0.1:8080/checkout/cs_1", true},
		{local, "http://localhost:9/checkout", true},
		{local, "http://evil.example/checkout", false},
		{local, "https://checkout.stripe.com/c", true},
	} {
		err := c.c.checkCheckoutURL(c.url)
		if (err == nil) != c.good {
			t.Errorf("%s from %s: %v", c.url, c.c.base, err)
		}
	}
}
