// Command myapihq-mcp is an MCP server for MyAPIHQ, and its sandbox.
// This file builds the command tree only: flags come from app's flag table,
// and each command hands its settings to an app function that does the work.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/myapihq/myapihq-mcp/app"
	"github.com/myapihq/myapihq-mcp/internal/mask"
)

// version is set with -ldflags "-X main.version=…"; otherwise the module's.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// usageError is a mistake on the command line: exit 2.
type usageError struct{ error }

func usage(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "myapihq-mcp:", mask.URLs(err.Error()))
	var ue usageError
	var ce app.ConfigError
	if errors.As(err, &ce) {
		return 2
	}
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		return 2
	}
	return 1
}

// isCobraUsage: cobra reports an unknown command as a plain error.
func isCobraUsage(err error) bool {
	msg := err.Error()
	return len(msg) > 16 && msg[:16] == "unknown command "
}

// examples shown by `help COMMAND`.
var examples = map[string]string{
	"stdio": `  myapihq-mcp --sandbox                         # everything offline
  myapihq-mcp --read-only --toolsets billing    # a small, safe surface
  MYAPI_PROFILE=work myapihq-mcp                # a second account`,
	"http": `  myapihq-mcp http --sandbox
  MYAPI_HTTP_TOKEN="$(openssl rand -hex 32)" myapihq-mcp http --addr 0.0.0.0:8080 --allow-remote`,
	"sandbox": `  myapihq-mcp sandbox --state ./sandbox.db      # its folder is created if missing
  myapihq-mcp sandbox --faults 5xx=0.2,drop=0.1,seed=7 --import-delay 0`,
	"auth": `  myapihq-mcp auth status
  myapihq-mcp auth --sandbox status --json
  myapihq-mcp auth import --env-file .env
  myapihq-mcp auth export --out backup.env       # secrets in full, mode 0600
  myapihq-mcp auth logout --profile work`,
	"tools": `  myapihq-mcp tools
  myapihq-mcp tools --markdown --toolsets orgs
  myapihq-mcp tools --json --read-only`,
	"demo": `  myapihq-mcp demo`,
	"audit": `  myapihq-mcp audit --since 24h
  myapihq-mcp audit --json --since 2026-12-01 | jq '.[] | select(.outcome != "done")'`,
	"setup": `  myapihq-mcp setup claude-desktop                # the live service, as "myapihq"
  myapihq-mcp setup cursor --sandbox               # the sandbox, as "myapihq-sandbox"
  myapihq-mcp setup vscode --print                 # show the file it would write
  myapihq-mcp setup claude-code -- --read-only     # server flags go after --`,
}

const rootExamples = `  myapihq-mcp --sandbox                       # everything offline, state kept between sessions
  myapihq-mcp --read-only --toolsets billing  # a safe, small surface
  myapihq-mcp auth status --sandbox
  myapihq-mcp auth import --env-file .env
  myapihq-mcp http --sandbox --addr 127.0.0.1:8080`

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	s := app.NewSettings()
	s.Config.Version = buildVersion()

	var version *bool
	root := &cobra.Command{
		Use:   "myapihq-mcp",
		Short: "An MCP server for MyAPIHQ (identity, keys, orgs, billing, brand imports)",
		Long: `myapihq-mcp: an MCP server for MyAPIHQ (identity, keys, orgs, billing, brand imports).
Without a command it serves MCP on stdin/stdout, like 'myapihq-mcp stdio'.
Every flag can also be set by the MYAPI_* variable its help names; a flag wins.`,
		Example:       rootExamples,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          noArgs,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if *version {
				return nil // --version prints, whatever the environment holds
			}
			return usage(app.ApplyEnv(cmd.Flags(), os.LookupEnv))
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if *version {
				fmt.Fprintln(stdout, "myapihq-mcp", s.Config.Version)
				return nil
			}
			return app.RunStdio(cmd.Context(), s.Config, stdin, stdout, stderr)
		},
	}
	// Our own --version rather than cobra's: cobra prints its version
	// through text/template, and a reachable template execution keeps
	// every exported method in the binary (internal/markup says more).
	version = root.Flags().BoolP("version", "v", false, "Print the version")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	app.Bind(root.Flags(), s, app.ServerFlags...)

	stdio := &cobra.Command{
		Use:     "stdio",
		Short:   "Serve MCP on stdin/stdout (the default)",
		Example: examples["stdio"],
		Args:    noArgs,
		RunE:    root.RunE,
	}
	app.Bind(stdio.Flags(), s, app.ServerFlags...)

	httpCmd := &cobra.Command{
		Use:     "http",
		Short:   "Serve MCP over streamable HTTP at /mcp (loopback by default)",
		Example: examples["http"],
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, secret := range []string{"http-token", "metrics-token"} {
				if f := cmd.Flags().Lookup(secret); f.Changed {
					fmt.Fprintf(stderr, "myapihq-mcp: warning: --%s shows in the process list; pass the token in %s instead\n", secret, f.Annotations[app.EnvAnnotation][0])
				}
			}
			return app.RunHTTP(cmd.Context(), s.Config, stderr)
		},
	}
	app.Bind(httpCmd.Flags(), s, app.ServerFlags...)
	app.Bind(httpCmd.Flags(), s, app.HTTPFlags...)

	sandboxCmd := &cobra.Command{
		Use:     "sandbox",
		Short:   "Run the HQ API sandbox on its own",
		Long:    "Run the HQ API sandbox on its own. A --state file's folder is created (mode 0700) if it does not exist.",
		Example: examples["sandbox"],
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return app.RunSandbox(cmd.Context(), s.Config.SandboxConfig, stderr)
		},
	}
	app.Bind(sandboxCmd.Flags(), s, app.SandboxFlags...)

	toolsCmd := &cobra.Command{
		Use:     "tools",
		Short:   "List the tools the server offers",
		Example: examples["tools"],
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			return app.RunTools(s.Config, s.Output, stdout)
		},
	}
	app.Bind(toolsCmd.Flags(), s, app.ToolsFlags...)

	demo := &cobra.Command{
		Use:     "demo",
		Short:   "Watch the server work on a throw-away embedded sandbox",
		Example: examples["demo"],
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			return app.Demo(cmd.Context(), self, stdout)
		},
	}

	auditCmd := &cobra.Command{
		Use:     "audit",
		Short:   "Show what the agent did with money and deletions, and how the human approved it",
		Example: examples["audit"],
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return app.ShowAudit(cmd.Context(), app.AuditOptions{JSON: s.Output.JSON, Since: s.Output.Since}, stdout, stderr)
		},
	}
	app.Bind(auditCmd.Flags(), s, app.AuditFlags...)

	versionCmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		Run:   func(*cobra.Command, []string) { fmt.Fprintln(stdout, "myapihq-mcp", s.Config.Version) },
	}

	root.AddCommand(stdio, httpCmd, sandboxCmd, newAuth(s, app.NewIO(stdin, stdout, stderr)), toolsCmd, auditCmd, demo, versionCmd,
		newSetup(s, stdout, stderr))
	root.SetHelpCommand(&cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				// cobra's own help prints the root's help for an unknown
				// topic and exits 0, which hides a typo from scripts.
				return usage(fmt.Errorf("unknown help topic %q", strings.Join(args, " ")))
			}
			return target.Help()
		},
	})
	return root
}

func newAuth(s *app.Settings, std app.IO) *cobra.Command {
	stdout, stderr := std.Out, std.Err
	auth := &cobra.Command{
		Use:     "auth",
		Short:   "See, import, export or delete the stored credentials",
		Example: examples["auth"],
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usage(errors.New("auth needs a command: status, logout, import, export or rotate-key"))
		},
	}
	// The service flags name whose credentials: they go anywhere on the line.
	app.Bind(auth.PersistentFlags(), s, app.ServiceFlags...)
	sub := func(use, short string, rows []string, runE func(cmd *cobra.Command) error) {
		c := &cobra.Command{Use: use, Short: short, Args: noArgs, RunE: func(cmd *cobra.Command, _ []string) error { return runE(cmd) }}
		app.Bind(c.Flags(), s, rows...)
		auth.AddCommand(c)
	}
	sub("status", "Show where each credential comes from, masked", []string{"json"}, func(cmd *cobra.Command) error {
		return app.AuthStatus(cmd.Context(), s.Config, s.Output.JSON, stdout, stderr)
	})
	sub("logout", "Delete the profile's stored credentials for the service (asks first; --yes where no one can answer)", []string{"yes"},
		func(cmd *cobra.Command) error {
			return app.AuthLogout(cmd.Context(), s.Config, s.Output.Yes, std)
		})
	sub("import", "Store the MYAPI_* values of an onboarding .env file", []string{"env-file"}, func(cmd *cobra.Command) error {
		if s.Output.EnvFile == "" {
			return usage(errors.New("auth import needs --env-file FILE"))
		}
		return app.AuthImport(cmd.Context(), s.Config, s.Output.EnvFile, stdout, stderr)
	})
	sub("rotate-key", "Replace the profile's API key: a new one stored, the old one revoked, neither shown", []string{"force"},
		func(cmd *cobra.Command) error {
			return app.AuthRotateKey(cmd.Context(), s.Config, s.Output.Force, stdout, stderr)
		})
	sub("export", "Print the profile's credentials as a .env file, masked unless --show-secrets; --out FILE writes them in full, 0600",
		[]string{"show-secrets", "out", "force"}, func(cmd *cobra.Command) error {
			o := app.ExportOptions{ShowSecrets: s.Output.ShowSecrets, Out: s.Output.Out, Force: s.Output.Force}
			return app.AuthExport(cmd.Context(), s.Config, o, std)
		})
	return auth
}

func newSetup(s *app.Settings, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "setup HOST [-- SERVER-FLAGS...]",
		Short: "Add this server to an MCP host's configuration: " + strings.Join(app.SetupHosts(), ", "),
		Long: `Add this binary, by its absolute path, to an MCP host's own configuration file.
Every other server and setting in the file is kept, the old file is backed up
beside it first, and running it again changes nothing. A file that is not valid
JSON (or has comments) is refused and left as it is.`,
		Example: examples["setup"],
		RunE: func(cmd *cobra.Command, args []string) error {
			host, server := args, []string(nil)
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				host, server = args[:dash], args[dash:]
			}
			if len(host) != 1 {
				return usage(fmt.Errorf("setup needs one host: %s", strings.Join(app.SetupHosts(), ", ")))
			}
			o := app.SetupOptions{Host: host[0], Name: s.Output.Name, Sandbox: s.Output.SetupSandbox,
				Print: s.Output.Print, Force: s.Output.Force, ServerArgs: server}
			return app.RunSetup(o, stdout, stderr)
		},
	}
	app.Bind(cmd.Flags(), s, app.SetupFlags...)
	return cmd
}

// noArgs refuses any positional argument as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return usage(fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath()))
	}
	return usage(fmt.Errorf("unexpected argument %q: %s takes flags only", args[0], cmd.CommandPath()))
}
