package credentials

import (
	"strings"
	"testing"
)

// FuzzParseEnvFile: no input crashes the .env reader, and it only ever
// returns MYAPI_ entries.
func FuzzParseEnvFile(f *testing.F) {
	for _, s := range []string{"MYAPI_PIN=1\n", "export MYAPI_API_KEY=\"a\\\"b\"\n", "MYAPI_X='\n", "=\n", "MYAPI_A=\"\\x\"", "# c\n\nMYAPI_B=v # c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		env, err := ParseEnvFile(strings.NewReader(s))
		if err != nil {
			return
		}
		for k := range env {
			if !strings.HasPrefix(k, "MYAPI_") {
				t.Fatalf("returned %q", k)
			}
		}
	})
}
