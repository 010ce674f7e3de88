package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/rs/zerolog"

	"github.com/myapihq/myapihq-mcp/audit"
	"github.com/myapihq/myapihq-mcp/credentials"
	"github.com/myapihq/myapihq-mcp/hqclient"
	"github.com/myapihq/myapihq-mcp/internal/fsx"
	"github.com/myapihq/myapihq-mcp/internal/textsafe"
	"github.com/myapihq/myapihq-mcp/tools"
)

// The `auth` commands, for humans at a terminal. They never start a sandbox
// and never print a secret unless asked with --show-secrets.

func openStore(cfg Config, stderr io.Writer) (*credentials.Store, string, error) {
	tgt, base, _, err := target(cfg)
	if err != nil {
		return nil, "", err
	}
	s, err := credentials.New(credentials.Options{Profile: cfg.Profile, Target: tgt, Mode: cfg.CredentialStore,
		Provider: cfg.Keyring, Warn: stderr})
	if base == "" {
		base = tgt
	}
	return s, base, err
}

// AuthStatus prints where each credential comes from, masked.
func AuthStatus(ctx context.Context, cfg Config, asJSON bool, stdout, stderr io.Writer) error {
	// The store's warnings are rows of the status itself: not said twice.
	s, service, err := openStore(cfg, nil)
	if err != nil {
		return err
	}
	st := s.Status(ctx)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	fmt.Fprintf(stdout, "profile:  %s\nservice:  %s\nstore:    %s (mode %s)\n", st.Profile, service, storeLabel(st), st.Mode)
	for _, w := range st.Warnings {
		fmt.Fprintf(stdout, "WARNING:  %s\n", w)
	}
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, f := range st.Fields {
		if f.Present {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Field, f.Masked, f.Source)
		} else {
			fmt.Fprintf(tw, "%s\t-\tnot set\n", f.Field)
		}
	}
	tw.Flush()
	if st.Error != "" {
		return errors.New(st.Error)
	}
	return nil
}

func storeLabel(st credentials.Status) string {
	if st.PlainText {
		return "file, PLAIN TEXT"
	}
	return "OS keyring"
}

// AuthLogout deletes the profile's stored credentials for the service.
// Nothing stored is an error that names the profiles that have some (as
// `gh auth logout` does for an unknown account). The PIN cannot be
// recovered, so the deletion is confirmed: at a terminal by a question,
// elsewhere by yes (without it, a configuration error: exit 2).
func AuthLogout(ctx context.Context, cfg Config, yes bool, std IO) error {
	s, service, err := openStore(cfg, std.Err)
	if err != nil {
		return err
	}
	v, err := s.Stored(ctx)
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if v.AccountID == "" && v.PIN == "" && v.APIKey == "" && v.Token == "" {
		msg := fmt.Sprintf("profile %q has no stored credentials for %s: nothing to delete", s.Profile(), service)
		if others := s.Profiles(ctx); len(others) > 0 {
			msg += fmt.Sprintf("; profiles with stored credentials there: %s (--profile NAME)", quoteAll(others))
		}
		return errors.New(msg)
	}
	what := fmt.Sprintf("the stored credentials of profile %q for %s", s.Profile(), service)
	if v.AccountID != "" {
		what += fmt.Sprintf(" (account %s)", v.AccountID)
	}
	warning := "Nothing here can bring them back"
	if v.PIN != "" {
		warning = "The PIN cannot be recovered: without it or a backup, the account is lost"
	}
	backup := "myapihq-mcp auth export --out FILE" + serviceArgs(cfg)
	if !yes {
		if !std.InTerminal {
			return configError("auth logout would delete %s. %s; back them up first with `%s`. No terminal to confirm on: "+
				"pass --yes to delete", what, warning, backup)
		}
		fmt.Fprintf(std.Err, "Delete %s?\n%s; back them up first with `%s`.\nType yes to delete: ", what, warning, backup)
		answer, _ := bufio.NewReader(std.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "yes" && a != "y" {
			recordFlag(ctx, cfg, s.Profile(), "logout", audit.Declined, "not confirmed at the terminal", nil, std.Err)
			return errors.New("not confirmed: nothing was deleted")
		}
	}
	err = s.Logout(ctx)
	outcome, detail := cliOutcome(err)
	recordFlag(ctx, cfg, s.Profile(), "logout", outcome, detail, nil, std.Err)
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	fmt.Fprintf(std.Out, "Deleted %s.\n", what)
	return nil
}

// serviceArgs are the flags that name cfg's profile and service, for a
// command to suggest.
func serviceArgs(cfg Config) string {
	var b strings.Builder
	if cfg.Profile != "" && cfg.Profile != "default" {
		fmt.Fprintf(&b, " --profile %s", shellQuote(cfg.Profile))
	}
	switch {
	case cfg.Sandbox && cfg.SandboxConfig.State != "":
		fmt.Fprintf(&b, " --sandbox --sandbox-state %s", shellQuote(cfg.SandboxConfig.State))
	case cfg.Sandbox:
		b.WriteString(" --sandbox")
	case cfg.BaseURL != "" && strings.TrimRight(cfg.BaseURL, "/") != hqclient.DefaultBaseURL:
		fmt.Fprintf(&b, " --base-url %s", shellQuote(cfg.BaseURL))
	}
	return b.String()
}

// shellQuote leaves a plain word alone and single-quotes anything else.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=,+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quoteAll quotes names read from files on this machine, which anything
// may have written: each is made safe to print (textsafe).
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = textsafe.Quote(n)
	}
	return strings.Join(q, ", ")
}

// AuthImport stores the MYAPI_* values of an onboarding .env file.
func AuthImport(ctx context.Context, cfg Config, path string, stdout, stderr io.Writer) error {
	if path == "" {
		return errors.New("auth import needs --env-file FILE")
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	env, err := credentials.ParseEnvFile(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s, service, err := openStore(cfg, stderr)
	if err != nil {
		return err
	}
	names, err := credentials.ImportEnv(ctx, s, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Imported %v into profile %q (%s).\n", names, s.Profile(), storeLabel(s.Status(ctx)))
	// A backup imported under a second profile is the same key: rotating it
	// in one profile would revoke it for the other, without a word.
	if holders := s.HoldersOf(ctx, env["MYAPI_API_KEY"]); len(holders) > 0 {
		fmt.Fprintf(stderr, "WARNING: the same API key is already stored under %s for %s: rotating it in one profile (auth rotate-key, "+
			"the rotate_key tool) revokes it in the others. Keep one profile per key: use --profile %s, or log one of them out "+
			"(auth logout --profile NAME).\n", tools.ProfilesPhrase(holders), service, holders[0])
	}
	return nil
}

// ExportOptions are `auth export`'s choices.
type ExportOptions struct {
	ShowSecrets bool   // print the secrets in full
	Out         string // write to this file instead: secrets in full, mode 0600
	Force       bool   // replace an existing Out
}

// AuthExport prints the profile's credentials in the .env format, masked
// unless ShowSecrets, or writes them in full to Out (0600, atomically, never
// over an existing file unless Force): a backup that no shell redirection
// leaves readable by others.
func AuthExport(ctx context.Context, cfg Config, o ExportOptions, std IO) error {
	s, service, err := openStore(cfg, std.Err)
	if err != nil {
		return err
	}
	base := service
	if cfg.Sandbox {
		base = "" // a sandbox has no stable URL to write down
	}
	if o.Out == "" {
		if err := credentials.ExportEnv(ctx, s, std.Out, base, o.ShowSecrets); err != nil {
			return err
		}
		if o.ShowSecrets && !std.OutTerminal {
			fmt.Fprintln(std.Err, "note: standard output is not a terminal: a file the shell creates (> FILE) gets the shell's mode, "+
				"often 0644 (readable by other users), with the PIN and key in it; --out FILE writes it 0600 instead.")
		}
		return nil
	}
	v, err := s.Get(ctx)
	if err != nil {
		return err
	}
	if v.AccountID == "" && v.PIN == "" && v.APIKey == "" && v.Token == "" {
		return fmt.Errorf("profile %q has no credentials for %s: nothing to export, nothing was written", s.Profile(), service)
	}
	var b bytes.Buffer
	if err := credentials.ExportEnv(ctx, s, &b, base, true); err != nil {
		return err
	}
	write := fsx.WriteFileNew
	if o.Force {
		write = fsx.WriteFileAtomic
	}
	if err := write(o.Out, b.Bytes(), 0o600); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s already exists: nothing was written; choose another file, or pass --force to replace it", o.Out)
		}
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(std.Out, "Wrote the credentials of profile %q, secrets in full, to %s (mode 0600): guard it as the PIN itself; "+
		"auth import --env-file restores it.\n", s.Profile(), o.Out)
	return nil
}

// AuthRotateKey replaces the profile's API key: a new one is created and
// stored, the old one revoked; neither is printed.
func AuthRotateKey(ctx context.Context, cfg Config, force bool, stdout, stderr io.Writer) error {
	// A command for a human: the server's JSON log lines would land in the
	// middle of its answer. Its failures come back as errors; the store's
	// warnings still go to stderr.
	cfg.LogLevel, cfg.LogFile = zerolog.Disabled.String(), ""
	cfg.Stderr = stderr
	a, err := Build(cfg, Stdio)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := tools.RotateKey(ctx, a.Client, a.Store, force)
	var shared *tools.SharedKeyError
	outcome, detail := cliOutcome(err)
	if errors.As(err, &shared) {
		outcome = audit.Refused
	}
	recordFlag(ctx, cfg, a.Store.Profile(), "rotate_key", outcome, detail, a.Store, stderr)
	if errors.As(err, &shared) {
		return fmt.Errorf("rotate-key: %v, and its calls would fail (401): nothing was changed. Log the other out (auth logout --profile NAME) "+
			"if it is a copy you no longer use, or pass --force to rotate anyway", err)
	}
	if err != nil {
		return fmt.Errorf("rotate-key: %w", err)
	}
	fmt.Fprintf(stdout, "Stored a new API key for profile %q: %s (%s).\n", a.Store.Profile(), r.NewKeyMasked, r.NewKeyID)
	if r.Revoked {
		fmt.Fprintf(stdout, "Revoked the old key %s.\n", r.RevokedKeyID)
	}
	if r.Note != "" {
		fmt.Fprintln(stdout, "Note:", r.Note)
	}
	if len(r.SharedWith) > 0 {
		fmt.Fprintf(stdout, "Note: %s held the old key and now fails with 401: copy this profile's key there (auth export --out, then "+
			"auth import --profile NAME), or log it out.\n", tools.ProfilesPhrase(r.SharedWith))
	}
	return nil
}
