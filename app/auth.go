package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/myapihq/myapihq-mcp/credentials"
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
	s, service, err := openStore(cfg, stderr)
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
func AuthLogout(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	s, service, err := openStore(cfg, stderr)
	if err != nil {
		return err
	}
	if err := s.Logout(ctx); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	fmt.Fprintf(stdout, "Deleted the stored credentials of profile %q for %s.\n", s.Profile(), service)
	return nil
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
	s, _, err := openStore(cfg, stderr)
	if err != nil {
		return err
	}
	names, err := credentials.ImportEnv(ctx, s, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Imported %v into profile %q (%s).\n", names, s.Profile(), storeLabel(s.Status(ctx)))
	return nil
}

// AuthExport prints the profile's credentials in the .env format, masked
// unless showSecrets.
func AuthExport(ctx context.Context, cfg Config, showSecrets bool, stdout, stderr io.Writer) error {
	s, service, err := openStore(cfg, stderr)
	if err != nil {
		return err
	}
	base := service
	if cfg.Sandbox {
		base = "" // a sandbox has no stable URL to write down
	}
	return credentials.ExportEnv(ctx, s, stdout, base, showSecrets)
}

// AuthRotateKey replaces the profile's API key: a new one is created and
// stored, the old one revoked; neither is printed.
func AuthRotateKey(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	cfg.Stderr = stderr
	a, err := Build(cfg, Stdio)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := tools.RotateKey(ctx, a.Client, a.Store)
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
	return nil
}
