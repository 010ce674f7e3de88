package e2e

import (
	"strings"
	"testing"
)

// TestRedteam2URLCredentialsNeverEchoed: a base or service URL carrying a
// password or a token is refused without repeating it on stderr (which
// hosts keep in their logs).
func TestRedteam2URLCredentialsNeverEchoed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, args := range [][]string{
		{"stdio", "--base-url", "https://ada:s3cretpw99@api.example.com"},
		{"stdio", "--base-url", "https://api.example.com/?token=s3cretpw99"},
		{"stdio", "--service-url", "mydomainapi.com=https://ada:s3cretpw99@x.example.com"},
		{"stdio", "--service-url", "mydomainapi.com=https://x.example.com/?key=s3cretpw99"},
		{"stdio", "--service-url", "mydomainapi.com=https://x.example.com/#s3cretpw99"},
	} {
		out, errs, code := cli(t, e, args...)
		if code == 0 {
			t.Errorf("%v: accepted", args)
		}
		if strings.Contains(out+errs, "s3cretpw99") {
			t.Errorf("%v: the credential was echoed: %s", args, errs)
		}
	}
}
