package credentials

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// ParseEnvFile reads the onboarding .env format (KEY=value lines, optional
// `export `, quotes, # comments) and returns the MYAPI_* entries.
func ParseEnvFile(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: want KEY=value", n)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			uq, err := strconv.Unquote(v)
			if err != nil {
				return nil, fmt.Errorf("line %d: %v", n, err)
			}
			v = uq
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = v[1 : len(v)-1]
		default:
			if i := strings.Index(v, " #"); i >= 0 {
				v = strings.TrimSpace(v[:i])
			}
		}
		if strings.HasPrefix(k, "MYAPI_") {
			out[k] = v
		}
	}
	return out, sc.Err()
}

// ImportEnv stores the secrets of a parsed .env file in s. A file written
// for another service (its MYAPI_BASE_URL) is refused rather than filed
// under the wrong one.
func ImportEnv(ctx context.Context, s *Store, env map[string]string) ([]string, error) {
	if err := sameService(s.Target(), env); err != nil {
		return nil, err
	}
	var v Values
	for _, f := range fieldTable {
		if f.env != "" {
			*f.ptr(&v) = env[f.env]
		}
	}
	if v.empty() {
		return nil, fmt.Errorf("no MYAPI_API_KEY, MYAPI_ACCOUNT_ID, MYAPI_PIN or MYAPI_TOKEN in the file")
	}
	for _, f := range Fields {
		if mask.IsDisplay(fieldValue(v, f)) {
			// Storing the mask would replace the real secret: a masked PIN
			// loses the account for good.
			return nil, fmt.Errorf("%s in the file is masked (%s), not the secret itself: export with --show-secrets to make "+
				"a file that can be imported; nothing was stored", EnvVars[f], mask.Display(FieldAPIKey, fieldValue(v, f)))
		}
	}
	var imported []string
	for _, f := range Fields {
		if fieldValue(v, f) != "" {
			imported = append(imported, EnvVars[f])
		}
	}
	return imported, s.Save(ctx, v)
}

// sameService refuses a file written for another service than target:
// its MYAPI_BASE_URL, or its MYAPI_SANDBOX and MYAPI_SANDBOX_STATE (what
// ExportEnv writes for a sandbox), so sandbox credentials are never filed
// under the live service.
func sameService(target string, env map[string]string) error {
	if sb := env["MYAPI_SANDBOX"]; sb == "1" || sb == "true" {
		state := env["MYAPI_SANDBOX_STATE"]
		if !strings.HasPrefix(target, sandboxPrefix) || (state != "" && TargetForSandbox(state) != target) {
			return fmt.Errorf("the file is for the sandbox with state %q but the current service is %s: pass --sandbox --sandbox-state %q", state, target, state)
		}
		return nil
	}
	if base := env["MYAPI_BASE_URL"]; base != "" && TargetForURL(base) != target {
		return fmt.Errorf("the file is for %s but the current service is %s: pass --base-url %s", base, target, base)
	}
	return nil
}

// ExportEnv writes the profile's secrets in the .env format, masked unless
// showSecrets: the output must be safe to paste by default.
func ExportEnv(ctx context.Context, s *Store, w io.Writer, baseURL string, showSecrets bool) error {
	v, err := s.Get(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# myapihq-mcp credentials, profile %q\n", s.Profile())
	if !showSecrets {
		fmt.Fprintln(w, "# secrets are masked: pass --show-secrets to print them")
	}
	if state, ok := strings.CutPrefix(s.Target(), sandboxPrefix); ok {
		fmt.Fprintf(w, "MYAPI_SANDBOX=1\nMYAPI_SANDBOX_STATE=%s\n", strconv.Quote(state))
	} else if baseURL != "" {
		fmt.Fprintf(w, "MYAPI_BASE_URL=%s\n", baseURL)
	}
	for _, f := range Fields {
		val := fieldValue(v, f)
		if val == "" {
			continue
		}
		if !showSecrets {
			val = mask.Display(f, val)
		}
		fmt.Fprintf(w, "%s=%s\n", EnvVars[f], val)
	}
	return nil
}
