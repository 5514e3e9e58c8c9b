// Command tagd is a self-hosted server-side tagging runtime: it runs sGTM-style containers
// (clients, triggers, variables, tags as sandboxed templates) from a TOML config.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	rt "runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/tagd-dev/tagd/clients/ga4"
	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/examples"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/cloud"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/metrics"
	"github.com/tagd-dev/tagd/runtime/preview"
	"github.com/tagd-dev/tagd/runtime/server"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/sandbox/api" // the sGTM API bundle
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `tagd — self-hosted server-side tagging runtime

Usage:
  tagd serve [-config FILE] [-listen ADDR] [-admin-listen ADDR] [-outbound-redirect URL]
             [-log-format json|text] [-log-level debug|info|warn|error] [-preview-all]
  tagd check -config FILE
  tagd test [--json] [--junit FILE] [--run REGEX] [-v] PATH...
  tagd import [-o DIR] [-force] EXPORT.json
  tagd pack init|check|build|install|list|remove ...
  tagd outbox [-config FILE | -store PATH | -admin URL] stats|list|show|replay|drop ...
  tagd version
`

func init() {
	// extractEventsFromMpv2 uses the complete GA4 parser of the built-in client.
	api.SetMpv2Parser(func(r *runtime.Request) ([]map[string]any, error) {
		return ga4.Parse(ga4.Hit{Method: r.Method, RawQuery: r.RawQuery, Body: r.Body, Header: r.Header, RemoteIP: r.RemoteIP})
	})
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		os.Exit(runServe(os.Args[2:], os.Stdout, os.Stderr))
	case "check":
		os.Exit(runCheck(os.Args[2:], os.Stdout, os.Stderr))
	case "test":
		os.Exit(runTest(os.Args[2:], os.Stdout, os.Stderr))
	case "import":
		os.Exit(runImport(os.Args[2:], os.Stdout, os.Stderr))
	case "pack":
		os.Exit(runPack(os.Args[2:], os.Stdout, os.Stderr))
	case "outbox":
		os.Exit(runOutbox(os.Args[2:], os.Stdout, os.Stderr))
	case "version", "-version", "--version":
		fmt.Println(versionString())
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "tagd: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
}

func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = "dev-" + s.Value[:12]
			}
		}
	}
	return fmt.Sprintf("tagd %s (%s, %s/%s)", v, rt.Version(), rt.GOOS, rt.GOARCH)
}

type serveFlags struct {
	config, listen, admin, redirect, logFormat, logLevel string
	previewAll                                           bool
}

func parseServe(args []string, stderr io.Writer) (*serveFlags, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &serveFlags{}
	fs.StringVar(&f.config, "config", "", "container config (TOML); default: the embedded example container")
	fs.StringVar(&f.listen, "listen", "", "ingress address (overrides server.listen)")
	fs.StringVar(&f.admin, "admin-listen", "", "admin address (overrides server.admin_listen; \"off\" disables)")
	fs.StringVar(&f.redirect, "outbound-redirect", "", "send every template HTTP request to this base URL instead")
	fs.StringVar(&f.logFormat, "log-format", "", "json or text (overrides server.log_format)")
	fs.StringVar(&f.logLevel, "log-level", "", "debug, info, warn or error (overrides server.log_level)")
	fs.BoolVar(&f.previewAll, "preview-all", false, "record every request for the preview UI, not only those with a preview header (sets preview.capture_all)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected arguments %v", fs.Args())
	}
	return f, nil
}

// loadConfig reads the config file, or the embedded default container.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Parse("embedded:examples/default/tagd.toml", "", examples.DefaultConfig)
	}
	return config.Load(path)
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "", "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want json or text", format)
}

func runServe(args []string, stdout, stderr io.Writer) int {
	f, err := parseServe(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	format, level := cfg.Server.LogFormat, cfg.Server.LogLevel
	if f.logFormat != "" {
		format = f.logFormat
	}
	if f.logLevel != "" {
		level = f.logLevel
	}
	logger, err := newLogger(stdout, format, level)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	slog.SetDefault(logger)
	applyGC(cfg.Server, logger)
	// Runtimes made ready in the background at start: a few per core cover the executions a
	// core has in flight at moderate load (three tags per event, each waiting briefly on
	// its vendor), so the first requests do not each make their own.
	opts := loader.Options{Logger: logger, OutboundRedirect: f.redirect, Storage: runtime.NewTemplateStorage(0),
		Prewarm: 8 * rt.GOMAXPROCS(0)}
	// The outbox and the dedup window are process-wide: they outlive reloads (outbox.go).
	ob, dedupStore, err := openDelivery(cfg, logger)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer closeDelivery(ob, dedupStore, logger, 10*time.Second)
	opts.Outbox, opts.DedupStore = ob, dedupStore
	closeCloud, err := openCloud(cfg, f.config == "", logger)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer closeCloud()
	res, err := loader.Build(cfg, opts)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range res.Warnings {
		logger.Warn("template lint", "problem", w)
	}
	engine := runtime.NewEngine(res.Container, logger)
	mets, rec := observe(engine, cfg, f.previewAll)
	if mets != nil {
		mets.SetOutbox(outboxGauge{ob})
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var rl *loader.Reloader
	if f.config != "" {
		rl = &loader.Reloader{Path: f.config, Options: opts, Engine: engine, Logger: logger, OnResult: mets.ObserveReload}
		go func() {
			if err := rl.Watch(ctx, res.Files); err != nil && ctx.Err() == nil {
				logger.Error("config watcher stopped; hot reload is off", "error", err)
			}
		}()
	}
	listen := cfg.Server.Listen
	if f.listen != "" {
		listen = f.listen
	}
	if listen == "" {
		listen = config.DefaultListen
	}
	admin := cfg.Server.AdminListen
	if f.admin != "" {
		admin = f.admin
	}
	if admin == "off" {
		admin = ""
	}
	err = server.Run(ctx, server.Options{Listen: listen, AdminListen: admin, AdminToken: cfg.Server.AdminToken, Engine: engine, Reloader: rl, Logger: logger, Preview: rec, Metrics: mets, Templates: templatesOf, Outbox: ob})
	// Requests are drained: release the container's resources (sandbox pools, the click
	// store's file lock).
	if c := engine.Container(); c.Close != nil {
		c.Close()
	}
	if err != nil {
		logger.Error("server stopped", "error", err)
		return 1
	}
	return 0
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "container config (TOML) to check")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *path == "" && fs.NArg() == 1 {
		*path = fs.Arg(0)
	}
	if *path == "" {
		fmt.Fprintln(stderr, "check: -config FILE is required")
		return 2
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	res, err := loader.LoadFile(*path, loader.Options{Logger: logger})
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			if line != "" {
				fmt.Fprintln(stderr, line)
			}
		}
		return 1
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning: "+w)
	}
	c := res.Container
	fmt.Fprintf(stdout, "%s: ok (%d clients, %d tags, %d variables, %d triggers, %d templates; version %s)\n",
		*path, len(c.Clients), len(c.Tags), len(c.Variables), len(c.Triggers)-1, res.Templates, c.Env.Version)
	return 0
}

// observe builds the metrics and the preview recorder and hooks them into the engine, the
// outbound dispatcher and the sandbox. Preview settings are read once, at start-up.
func observe(engine *runtime.Engine, cfg *config.Config, previewAll bool) (*metrics.Metrics, *preview.Recorder) {
	m := metrics.New(metrics.Options{})
	p := cfg.Preview
	rec := preview.New(preview.Options{Size: p.Size(), Disabled: !p.IsEnabled(), CaptureAll: p.CaptureAll || previewAll, Header: p.Header})
	engine.Capture = rec.Capture
	engine.Observe = func(x *runtime.Exchange, status int, dur time.Duration) {
		m.ObserveExchange(x, status, dur)
		rec.Observe(x, status, dur)
	}
	runtime.SetOutboundHook(m.ObserveOutbound)
	sandbox.SetInterruptHook(m.ObserveInterrupt)
	return m, rec
}

// openCloud opens the Firestore/BigQuery/Google-auth backends the config names. The
// embedded example keeps them in memory so that running it writes nothing to disk.
func openCloud(cfg *config.Config, embedded bool, logger *slog.Logger) (func(), error) {
	cc := cloud.Config{
		DataDir: cfg.Server.DataDir, Project: cfg.Cloud.Project,
		Firestore: cfg.Cloud.Firestore, FirestoreURL: cfg.Cloud.FirestoreURL,
		BigQuery: cfg.Cloud.BigQuery, BigQueryURL: cfg.Cloud.BigQueryURL,
		Credentials: cfg.Cloud.Credentials, TokenURL: cfg.Cloud.TokenURL, Logger: logger,
	}
	if embedded {
		cc.DataDir, cc.Firestore, cc.BigQuery = "", "memory", "memory"
	}
	b, err := cloud.Open(cc)
	if err != nil {
		return nil, fmt.Errorf("cloud backends: %w", err)
	}
	prev := cloud.SetDefault(b)
	return func() {
		cloud.SetDefault(prev)
		_ = b.Close()
	}, nil
}
