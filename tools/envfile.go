package tools

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/internal/fsx"
	"github.com/myapihq/myapihq-mcp/internal/mask"
	"github.com/myapihq/myapihq-mcp/internal/safegit"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/toolkit"
)

// write_env_file: the onboarding's .env step, done by the server so the
// values never pass through the model. The file must be inside one of the
// client's roots (or --env-file-dir when the client has none).

func envFileTool(d *Deps) toolkit.Tool {
	return toolkit.Tool{
		Name: "write_env_file", Toolset: Account, Title: "Write credentials to a .env file",
		Output: toolkit.Object("path"),
		Description: "Write MYAPI_API_KEY, MYAPI_ACCOUNT_ID (MYAPI_PIN if include_pin) to a .env in the client's roots for the user's code. " +
			"Asks the human; returns no values.",
		Params: []toolkit.Param{
			{Name: "path", Type: "string", Required: true, MaxLen: 1024, Desc: "e.g. .env (from the first root)"},
			{Name: "include_pin", Type: "boolean", Default: false},
		},
		Idempotent: true, LocalOnly: true, AsksInHandler: true,
		Handler: d.bind(writeEnvFile),
	}
}

// envState carries the allowed folders from the roots round to the
// confirmation round (the client echoes it back).
type envState struct {
	Roots []string `json:"roots"`
}

func writeEnvFile(ctx context.Context, d *Deps, a toolkit.Args) (*mcp.CallToolResult, error) {
	req := toolkit.CallFrom(ctx).Request
	var roots []string
	switch {
	case server.ElicitationResponse(req.Params.InputResponses, "confirm") != nil:
		// The roots come back in the state this server signed for these
		// arguments, once: an answer without it is not the human's.
		var st envState
		payload, valid := d.Consent().Open(ctx, toolkit.CallFrom(ctx), req.Params.RequestState)
		if !valid || json.Unmarshal(payload, &st) != nil || len(st.Roots) == 0 {
			return mcp.NewToolResultError("write_env_file: the confirmation does not answer a question this server asked " +
				"(or was already used, or expired): nothing was written; call write_env_file again to be asked"), nil
		}
		roots = st.Roots
	case server.RootsResponse(req.Params.InputResponses, "roots") != nil:
		roots = rootPaths(server.RootsResponse(req.Params.InputResponses, "roots").Roots)
		if len(roots) == 0 {
			return mcp.NewToolResultError("write_env_file refused: the client shares no file:// roots; " +
				"open a project folder in the client, or start the server with --env-file-dir"), nil
		}
	case toolkit.CanListRoots(ctx):
		return server.NewInputRequestBuilder("roots").Roots("roots").ToolResult(), nil
	default:
		dir := d.EnvFileDir
		if dir == "" {
			return mcp.NewToolResultError("write_env_file refused: the client shares no roots and the server has no --env-file-dir " +
				"(MYAPI_ENV_FILE_DIR): ask the user to set one"), nil
		}
		roots = []string{dir}
	}
	target, err := resolveInRoots(a.Str("path"), roots)
	if err == nil {
		err = checkEnvTarget(ctx, target)
	}
	if err != nil {
		return mcp.NewToolResultError("write_env_file refused: " + err.Error()), nil
	}
	names := []string{"MYAPI_API_KEY", "MYAPI_ACCOUNT_ID"}
	if a.Bool("include_pin") {
		names = append(names, "MYAPI_PIN")
	}
	if !toolkit.CanElicit(ctx) && d.Config.RequireConsent {
		return toolkit.Refusal("write_env_file"), nil
	}
	if toolkit.CanElicit(ctx) {
		ans := server.ElicitationResponse(req.Params.InputResponses, "confirm")
		if ans == nil {
			st, _ := json.Marshal(envState{Roots: roots})
			q := fmt.Sprintf("Write %s to %s (mode 0600)? The agent will not see the values.", strings.Join(names, ", "), textsafe.QuoteN(target, 1024))
			return toolkit.Ask(q, d.Consent().Seal(toolkit.CallFrom(ctx), st)), nil
		}
		if res := toolkit.Declined(ans); res != nil {
			return res, nil
		}
	}
	v, err := d.Store.Get(ctx)
	if err != nil {
		return nil, err
	}
	if v.APIKey == "" || v.AccountID == "" {
		return mcp.NewToolResultError("write_env_file: this profile has no API key or account id yet: call create_agent first"), nil
	}
	vals := map[string]string{"MYAPI_API_KEY": v.APIKey, "MYAPI_ACCOUNT_ID": v.AccountID}
	if a.Bool("include_pin") {
		if v.PIN == "" {
			return mcp.NewToolResultError("write_env_file: no PIN is stored for this profile; call it with include_pin=false"), nil
		}
		vals["MYAPI_PIN"] = v.PIN
	}
	if err := mergeEnvFile(target, vals, names); err != nil {
		return mcp.NewToolResultError("write_env_file failed: " + mask.Display(credentials.FieldAPIKey, err.Error())), nil
	}
	out := map[string]any{"path": target, "written": names, "mode": "0600"}
	summary := fmt.Sprintf("Wrote %s to %s (values not shown).", strings.Join(names, ", "), textsafe.QuoteN(target, 1024))
	if ignored, how := gitIgnored(ctx, target); !ignored {
		out["warning"] = "not ignored by git (" + how + "): add it to .gitignore before committing"
		summary += " Warning: " + out["warning"].(string) + "."
	}
	return toolkit.OKValue(out, summary), nil
}

// rootPaths keeps the local folders of file:// roots.
func rootPaths(roots []mcp.Root) []string {
	var out []string
	for _, r := range roots {
		u, err := url.Parse(r.URI)
		if err != nil || u.Scheme != "file" || (u.Host != "" && u.Host != "localhost") || u.Path == "" {
			continue
		}
		p := u.Path
		if runtime.GOOS == "windows" {
			p = strings.TrimPrefix(p, "/")
		}
		out = append(out, filepath.Clean(filepath.FromSlash(p)))
	}
	return out
}

// resolveInRoots turns the model's path into a file inside one root: a
// relative path is taken from the first root; the folder it lands in,
// symlinks resolved, must still be inside that root; the file itself must
// not be a symlink.
// quotePath quotes a path for an error text: the model chose it (and the
// client its roots), so it may carry line separators, bidi or escape codes.
func quotePath(p string) string { return textsafe.QuoteN(p, 1024) }

func quotePaths(ps []string) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = quotePath(p)
	}
	return strings.Join(out, ", ")
}

func resolveInRoots(p string, roots []string) (string, error) {
	if strings.ContainsAny(p, "\x00\n\r") || p == "" {
		return "", errors.New("the path must be a plain file path")
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(roots[0], p)
	}
	p = filepath.Clean(p)
	// Only an env file: a key merged into main.go or a served page would
	// leak with it.
	if base := filepath.Base(p); base != ".env" && !strings.HasPrefix(base, ".env.") && !strings.HasSuffix(base, ".env") {
		return "", fmt.Errorf("%s is not an env file: name it .env, .env.<name> or <name>.env", quotePath(base))
	}
	for _, root := range roots {
		realRoot, err := filepath.EvalSymlinks(root)
		if err != nil || !within(root, p) {
			continue
		}
		realDir, err := filepath.EvalSymlinks(filepath.Dir(p))
		if err != nil {
			return "", fmt.Errorf("the folder of %s does not exist", quotePath(p))
		}
		if !within(realRoot, filepath.Join(realDir, filepath.Base(p))) {
			return "", fmt.Errorf("%s leads outside the root %s through a symlink", quotePath(p), quotePath(root))
		}
		if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
			return "", fmt.Errorf("%s exists and is not a regular file (a symlink?)", quotePath(p))
		}
		if filepath.Base(p) == "." || filepath.Base(p) == string(filepath.Separator) {
			return "", errors.New("the path names a folder, not a file")
		}
		return p, nil
	}
	return "", fmt.Errorf("%s is outside the client's roots (%s)", quotePath(p), quotePaths(roots))
}

// checkEnvTarget refuses what the name rule lets through: a file git
// tracks (.env.example and other templates are committed, so the key would
// be too) and an existing file that is not text (.env.vault, .env.gpg: the
// key in clear would be merged into the ciphertext).
func checkEnvTarget(ctx context.Context, p string) error {
	if fi, err := os.Lstat(p); err == nil {
		if fi.Size() > 1<<20 {
			return fmt.Errorf("%s is over 1 MiB: not an env file", quotePath(p))
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("%s cannot be read: %s", quotePath(p), quotePath(err.Error()))
		}
		if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
			return fmt.Errorf("%s is not a text env file (encrypted or binary?): write to another file, e.g. .env", quotePath(p))
		}
	}
	if gitTracked(ctx, p) {
		return fmt.Errorf("git tracks %s: the key would be committed with it; write to an ignored file such as .env", quotePath(p))
	}
	return nil
}

// gitTracked: git knows the file (when git is there and it is a
// repository). The folder is the client's: safegit runs none of its programs.
func gitTracked(ctx context.Context, path string) bool {
	code, err := safegit.Run(ctx, filepath.Dir(path), "ls-files", "--error-unmatch", "--", filepath.Base(path))
	return err == nil && code == 0
}

func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// mergeEnvFile replaces the named variables' lines (export or not) and
// keeps every other line; missing ones are appended. 0600, atomically.
func mergeEnvFile(path string, vals map[string]string, order []string) error {
	var lines []string
	if b, err := os.ReadFile(path); err == nil {
		if len(b) > 1<<20 {
			return errors.New("the existing file is over 1 MiB: not an env file")
		}
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	done := map[string]bool{}
	for i, line := range lines {
		k, _, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(line), "export "), "=")
		k = strings.TrimSpace(k)
		if v, mine := vals[k]; ok && mine {
			lines[i] = k + "=" + v
			done[k] = true
		}
	}
	for _, k := range order {
		if !done[k] {
			lines = append(lines, k+"="+vals[k])
		}
	}
	return fsx.WriteFileAtomic(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// gitIgnored asks git when it is there (through safegit: the repository
// is the client's, none of its programs runs; the user's own global
// excludes file still counts); otherwise reads the .gitignore files from
// the file's folder up.
func gitIgnored(ctx context.Context, path string) (bool, string) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	args := []string{"check-ignore", "-q", "--", base}
	if ex := safegit.ExcludesFile(ctx); ex != "" {
		args = append([]string{"-c", "core.excludesFile=" + ex}, args...)
	}
	code, err := safegit.Run(ctx, dir, args...)
	switch {
	case err == nil && code == 0:
		return true, "git check-ignore"
	case err == nil && code == 1:
		return false, "git check-ignore"
	}
	// No git, or 128: not a repository; read the files instead.
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, ".gitignore")); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				pat := strings.TrimPrefix(strings.TrimSpace(line), "/")
				if pat == "" || strings.HasPrefix(pat, "#") || strings.HasPrefix(pat, "!") {
					continue
				}
				if ok, _ := filepath.Match(pat, base); ok {
					return true, ".gitignore"
				}
			}
		}
		if filepath.Dir(d) == d {
			return false, "no .gitignore entry"
		}
	}
}
