// Package cmd is ttmon's command line: it parses flags and config, builds the
// Source, runs the chosen command and returns its error. Only main exits.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ttmon/ttmon/config"
	"github.com/ttmon/ttmon/datasource"
)

// Execute runs ttmon with the process's arguments and streams and returns
// the exit code. SIGHUP (the terminal closed) ends it like SIGINT and
// SIGTERM, through the context, so that every command cleans up: left to
// its default, SIGHUP killed `ttmon --demo` with its store still in /tmp.
// A process started with SIGHUP ignored (nohup ttmon collect) keeps
// ignoring it.
func Execute() int {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	ctx, stop := signal.NotifyContext(context.Background(), sigs...)
	defer stop()
	return Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
}

// Run is Execute with everything injected, so tests drive the real command
// tree.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now, sleep: sleep}
	return a.run(ctx, args)
}

// run executes the command tree for args and returns the exit code;
// tests call it on an app with a fake clock.
func (a *app) run(ctx context.Context, args []string) int {
	stderr := a.stderr
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	a.closeLog()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "ttmon: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "ttmon: %v\n", err)
	return 1
}

// exitError carries a specific exit code (snapshot --check uses 1 and 2).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// app is the state every command shares: streams, the loaded config and the
// logger. It lives for one Run.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	sleep          func(context.Context, time.Duration) error // waits; tests advance a fake clock

	cfgPath string
	cfg     config.Config
	log     *slog.Logger
	logFile *os.File

	at          time.Time         // --at; zero = now
	cohortNames map[string]string // PostHog cohorts --cohort named, by id

	dashboards []datasource.Dashboard // built-ins with the config's (readDashboard)
	dashboard  string                 // --dashboard; "" when not given

	// monitor is set by the commands that keep the source open (the TUI,
	// ssh): an embedded store then decodes its whole index in the
	// background, so switching range does not wait for it.
	monitor bool
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ttmon",
		Short: "Live terminal monitor for TimeTracker telemetry",
		Long: `ttmon watches TimeTracker's product analytics and installation telemetry
live in the terminal: active installations, versions, error rate and timer
usage, from PostHog or from its own embedded store.

` + configHelp(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE:          a.runTUI,
		Version:       readVersion().Version,
	}
	root.SetVersionTemplate(readVersion().line() + "\n")
	pf := root.PersistentFlags()
	pf.String("config", "", "config file (default $XDG_CONFIG_HOME/ttmon/config.yaml)")
	pf.String("source", "", "data source: embedded or posthog")
	pf.String("db", "", "embedded store file (default $XDG_DATA_HOME/ttmon/events.db)")
	pf.String("log", "", "write logs to this file (nothing is logged otherwise)")
	pf.String("posthog-host", "", "PostHog API host: us, eu, or your instance's URL (default https://us.posthog.com)")
	pf.String("project", "", "PostHog project id (the number in your PostHog URL /project/<id>)")
	pf.String("query-budget", "", "PostHog requests allowed: auto (default: 120/h until PostHog shows more), 2400/h with the API-queries feature, 120/h for the legacy limit")
	a.addTUIFlags(root.Flags())
	root.AddCommand(a.collectCmd(), a.snapshotCmd(), a.demoCmd(), a.checkCmd(), a.sshCmd(), a.versionCmd(), a.manCmd())
	a.registerCompletions(root)
	return root
}

// configHelp documents the lookup order; --help shows it.
func configHelp() string {
	var b strings.Builder
	b.WriteString("Settings are read in this order, later ones winning:\n")
	b.WriteString("  1. built-in defaults\n")
	b.WriteString("  2. the config file: --config, TTMON_CONFIG, or $XDG_CONFIG_HOME/ttmon/config.yaml\n")
	b.WriteString("     (YAML starting with \"version: 1\"; see README.md for every key)\n")
	b.WriteString("  3. environment variables:\n")
	for _, e := range config.Env {
		fmt.Fprintf(&b, "       %-26s %s\n", e.Name, e.Help)
	}
	b.WriteString("  4. command-line flags")
	return b.String()
}

// setup loads config (defaults -> file -> env -> flags), validates it and
// opens the log. Every command calls it first.
func (a *app) setup(cmd *cobra.Command, validate bool) error {
	path, _ := cmd.Flags().GetString("config")
	if path == "" {
		path = a.getenv("TTMON_CONFIG")
	}
	cfg, warnings, loadErr := config.Load(path)
	var fileErr *config.FileError
	if loadErr != nil && !errors.As(loadErr, &fileErr) {
		return loadErr
	}
	envErr := cfg.ApplyEnv(a.getenv)
	if err := applyFlags(&cfg, cmd.Name(), cmd.Flags()); err != nil {
		return err
	}
	if err := a.readAt(cmd); err != nil {
		return err
	}
	if err := settingsProblems(fileErr, envErr, cfg, validate); err != nil {
		return err
	}
	a.cfgPath, a.cfg = path, cfg
	if path == "" {
		a.cfgPath = config.DefaultPath()
	}
	if err := a.openLog(cfg.Log); err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintf(a.stderr, "ttmon: warning: %s\n", w)
		a.log.Warn(w)
	}
	return nil
}

func indent(err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = "  - " + l
	}
	return errors.New(strings.Join(lines, "\n"))
}

func (a *app) openLog(path string) error {
	if path == "" {
		a.log = slog.New(slog.DiscardHandler)
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	a.logFile = f
	a.log = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return nil
}

// logWarningsToStderr sends warnings and errors to stderr when no --log
// file was given: the headless servers (collect, ssh) run under systemd,
// tmux or nohup, and their operator must see "the store did not commit"
// without having asked for a log file. The monitor never does this: it
// owns the terminal.
func (a *app) logWarningsToStderr() {
	if a.logFile == nil {
		a.log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
}

func (a *app) closeLog() {
	if a.logFile != nil {
		a.logFile.Close()
	}
}

// applyFlags copies the flags the user actually set over cfg, so a flag's
// default never hides a value from the file or the environment. A setter
// named "command.flag" wins over "flag": `ttmon ssh --listen` and `ttmon
// collect --listen` set different things.
func applyFlags(cfg *config.Config, command string, fs *pflag.FlagSet) error {
	var err error
	fs.Visit(func(f *pflag.Flag) {
		if err != nil {
			return
		}
		set, ok := flagSetters[command+"."+f.Name]
		if !ok {
			set, ok = flagSetters[f.Name]
		}
		if !ok {
			return
		}
		var vals []string
		if sv, isSlice := f.Value.(pflag.SliceValue); isSlice {
			vals = sv.GetSlice()
		} else {
			vals = []string{f.Value.String()}
		}
		if e := set(cfg, vals); e != nil {
			err = fmt.Errorf("--%s: %w", f.Name, e)
		}
	})
	return err
}

// flagSetters maps flags to the config field they override.
var flagSetters = map[string]func(*config.Config, []string) error{
	"source":       func(c *config.Config, v []string) error { c.Source = v[0]; return nil },
	"db":           func(c *config.Config, v []string) error { c.Embedded.DB = v[0]; return nil },
	"log":          func(c *config.Config, v []string) error { c.Log = v[0]; return nil },
	"listen":       func(c *config.Config, v []string) error { c.Collect.Listen = v[0]; return nil },
	"token":        func(c *config.Config, v []string) error { c.Collect.Tokens = v; return nil },
	"range":        func(c *config.Config, v []string) error { c.UI.Range = v[0]; return nil },
	"tz":           func(c *config.Config, v []string) error { c.UI.TZ = v[0]; return nil },
	"posthog-host": func(c *config.Config, v []string) error { c.PostHog.Host = v[0]; return nil },
	"project":      func(c *config.Config, v []string) error { c.PostHog.Project = v[0]; return nil },
	"query-budget": func(c *config.Config, v []string) error { c.PostHog.QueryBudget = v[0]; return nil },
	"interval": func(c *config.Config, v []string) error {
		return c.UI.Interval.UnmarshalText([]byte(v[0]))
	},
	"collect.tls-cert":       func(c *config.Config, v []string) error { c.Collect.TLSCert = v[0]; return nil },
	"collect.tls-key":        func(c *config.Config, v []string) error { c.Collect.TLSKey = v[0]; return nil },
	"collect.metrics-listen": func(c *config.Config, v []string) error { c.Collect.MetricsListen = v[0]; return nil },
	"collect.insecure-http":  boolSetter(func(c *config.Config) *bool { return &c.Collect.InsecureHTTP }),
	"ssh.listen":             func(c *config.Config, v []string) error { c.SSH.Listen = v[0]; return nil },
	"ssh.host-key":           func(c *config.Config, v []string) error { c.SSH.HostKey = v[0]; return nil },
	"ssh.authorized-keys":    func(c *config.Config, v []string) error { c.SSH.AuthorizedKeys = v[0]; return nil },
	"ssh.idle-timeout": func(c *config.Config, v []string) error {
		return c.SSH.IdleTimeout.UnmarshalText([]byte(v[0]))
	},
	"ssh.max-sessions": func(c *config.Config, v []string) error {
		n, err := strconv.Atoi(v[0])
		c.SSH.MaxSessions = n
		return err
	},
	"no-color": boolSetter(func(c *config.Config) *bool { return &c.UI.NoColor }),
	"basic":    boolSetter(func(c *config.Config) *bool { return &c.UI.Basic }),
	"mouse":    boolSetter(func(c *config.Config) *bool { return &c.UI.Mouse }),
}

func boolSetter(field func(*config.Config) *bool) func(*config.Config, []string) error {
	return func(c *config.Config, v []string) error {
		*field(c) = v[0] == "true"
		return nil
	}
}
