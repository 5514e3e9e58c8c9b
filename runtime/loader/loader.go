package loader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"sort"
	"strings"

	"github.com/tagd-dev/tagd/clients"
	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/dedup"
	"github.com/tagd-dev/tagd/runtime/outbox"
	"github.com/tagd-dev/tagd/runtime/packs"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/tags"
	"github.com/tagd-dev/tagd/templates"
)

// Options are the process-wide parts a container is built with.
type Options struct {
	Logger *slog.Logger
	// OutboundRedirect overrides server.outbound_redirect when set (the -outbound-redirect flag).
	OutboundRedirect string
	// Storage is templateDataStorage; it outlives container generations.
	Storage *runtime.TemplateStorage
	// Console receives logToConsole lines; nil logs them through Logger.
	Console func(ctx context.Context, l runtime.ConsoleLine)
	// HTTP overrides the outbound dispatcher (tests).
	HTTP runtime.Dispatcher
	// Outbox, when set, stores tags' failed requests and retries them (delivery.go). It is
	// process-wide: opened once, it outlives container generations.
	Outbox *outbox.Outbox
	// DedupStore is the process-wide dedup window; nil gives each generation a memory store.
	DedupStore dedup.Store
	// Prewarm, when positive, has a built container's runtime pool ready that many runtimes
	// with its templates instantiated, in the background (sandbox.Pool.Prewarm). serve sets
	// it; tests and one-off commands leave it 0.
	Prewarm int
}

// Errors lists every problem found while building, each "file:line: reason".
type Errors []string

func (e Errors) Error() string { return strings.Join(e, "\n") }

// Result is a built container and the files it was built from (to watch).
type Result struct {
	Container *runtime.Container
	Config    *config.Config
	Files     []string
	Templates int
	// Warnings are problems that do not stop the container: APIs a template uses without
	// declaring their permission, unknown APIs ("file:line: message").
	Warnings []string
}

// LoadFile reads, validates and builds the config at path.
func LoadFile(path string, o Options) (*Result, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return &Result{Files: []string{path}}, err
	}
	return Build(cfg, o)
}

type builder struct {
	cfg   *config.Config
	o     Options
	pool  *sandbox.Pool
	errs  Errors
	progs map[string]*sandbox.Program
	files []string
	hash  []string
	packs *packs.Set // installed template packs (packs.go); nil when none
}

// Build compiles everything the config names into a container. All problems are reported
// at once; on error no container is returned.
func Build(cfg *config.Config, o Options) (*Result, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Storage == nil {
		o.Storage = runtime.NewTemplateStorage(0)
	}
	b := &builder{cfg: cfg, o: o, progs: map[string]*sandbox.Program{}, hash: []string{cfg.Hash}}
	if cfg.Path != "" {
		b.files = append(b.files, cfg.Path)
	}
	// Shared with the previous generation when the limits are the same: a reload keeps the
	// warm runtimes.
	b.pool = sandbox.SharedPool(sandbox.Limits{
		CPUBudget:           cfg.Sandbox.CPUBudget,
		MaxCallStack:        cfg.Sandbox.MaxCallStack,
		HTTPTimeout:         cfg.Sandbox.HTTPTimeout,
		MaxOutboundRequests: cfg.Sandbox.MaxOutboundRequests,
		MaxResponseBytes:    cfg.Sandbox.MaxResponseBytes,
		MaxStringLength:     cfg.Sandbox.MaxStringLength,
		MaxLogBytes:         cfg.Sandbox.MaxLogBytes,
	})
	c := &runtime.Container{
		Triggers:        map[string]*runtime.Trigger{},
		Variables:       map[string]*runtime.VariableBinding{},
		TagTimeout:      cfg.Server.TagTimeout,
		VariableTimeout: cfg.Server.VariableTimeout,
		ClientTimeout:   cfg.Server.ClientTimeout,
		Close:           b.pool.Close,
	}
	b.openPacks()
	b.buildTriggers(c)
	b.buildVariables(c)
	b.buildTags(c)
	b.linkSequences(c)
	b.buildTransformations(c)
	b.buildClients(c)
	// Clients holding resources (the click store) are released with their generation.
	c.Close = closeWithClients(c.Close, c.Clients)

	redirect := cfg.Server.OutboundRedirect
	if o.OutboundRedirect != "" {
		redirect = o.OutboundRedirect
	}
	httpd := o.HTTP
	if httpd == nil {
		d, err := runtime.NewHTTPDispatcher(redirect, cfg.Sandbox.MaxResponseBytes, cfg.Sandbox.HTTPTimeout)
		if err != nil {
			b.errs = append(b.errs, fmt.Sprintf("%s: %v", b.pos(0), err))
		} else {
			allow, perr := parsePrefixes(cfg.Sandbox.AllowPrivateNetworks)
			if perr != nil {
				b.errorf(0, "sandbox.allow_private_networks: %v", perr)
			}
			d.Guard(allow)
			httpd = d
		}
	}
	httpd = outboxBinding(cfg, o.Outbox, httpd)
	proxies, err := cfg.Server.TrustedProxyPrefixes()
	if err != nil {
		b.errorf(0, "server.trusted_proxies: %v", err)
	}
	c.Requests = runtime.RequestOptions{MaxBodyBytes: cfg.Server.MaxBodyBytes, PathPrefix: cfg.Server.PathPrefix, TrustedProxies: proxies}
	if len(b.errs) > 0 {
		closeClients(c.Clients)
		b.pool.Close()
		return &Result{Files: b.files, Config: cfg}, b.errs
	}
	version := cfg.Server.ContainerVersion
	if version == "" {
		sort.Strings(b.hash[1:])
		sum := sha256.Sum256([]byte(strings.Join(b.hash, "\n")))
		version = hex.EncodeToString(sum[:6])
	}
	c.Env = &runtime.Env{
		ContainerID:     cfg.Server.ContainerID,
		Version:         version,
		EnvironmentName: cfg.Server.EnvironmentName,
		Logger:          o.Logger,
		HTTP:            httpd,
		Storage:         o.Storage,
		Console:         o.Console,
		Dedup:           deduper(cfg, o),
	}
	if c.Env.Console == nil {
		c.Env.Console = LogConsole(o.Logger)
	}
	var warnings []string
	keys := make([]string, 0, len(b.progs))
	for k := range b.progs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		warnings = append(warnings, sandbox.Lint(b.progs[k])...)
	}
	if o.Prewarm > 0 {
		progs := make([]*sandbox.Program, 0, len(keys))
		for _, k := range keys {
			progs = append(progs, b.progs[k])
		}
		go b.pool.Prewarm(o.Prewarm, progs)
	}
	return &Result{Container: c, Config: cfg, Files: b.files, Templates: len(b.progs), Warnings: warnings}, nil
}

// LogConsole writes logToConsole lines as structured log records: a single object argument
// becomes the record's fields (the logger tag's event_data line).
func LogConsole(l *slog.Logger) func(ctx context.Context, line runtime.ConsoleLine) {
	return func(ctx context.Context, line runtime.ConsoleLine) {
		attrs := []any{"source", line.Source}
		if line.RequestID != "" {
			attrs = append(attrs, "request_id", line.RequestID)
		}
		if line.Fields != nil {
			keys := make([]string, 0, len(line.Fields))
			for k := range line.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				attrs = append(attrs, k, line.Fields[k])
			}
		} else {
			attrs = append(attrs, "message", line.Message)
		}
		l.InfoContext(ctx, "console", attrs...)
	}
}

func (b *builder) pos(line int) string {
	if line <= 0 {
		if b.cfg.Path == "" {
			return "config"
		}
		return b.cfg.Path
	}
	return b.cfg.Pos(line)
}

func (b *builder) errorf(line int, format string, args ...any) {
	b.errs = append(b.errs, b.pos(line)+": "+fmt.Sprintf(format, args...))
}

// program loads and compiles a template reference (built-in name or .tpl path), once.
func (b *builder) program(ref string, want templates.Kind, line int, what string) *sandbox.Program {
	key := ref
	var t *templates.Template
	var err error
	if pk, pt, isPack, perr := b.packTemplate(ref); isPack {
		key, t, err = pk, pt, perr
	} else if tags.IsBuiltinRef(ref) {
		// <config dir>/templates/<name>.tpl overrides the embedded built-in of that name.
		if p, ok := tags.OverridePath(b.cfg.Dir, ref); ok {
			key = p
			if prev, seen := b.progs[key]; seen {
				return b.checkKind(prev, want, line, what, ref)
			}
			b.files = append(b.files, p)
			if src, rerr := os.ReadFile(p); rerr == nil {
				sum := sha256.Sum256(src)
				b.hash = append(b.hash, hex.EncodeToString(sum[:]))
			}
		}
		t, err = tags.Resolve(b.cfg.Dir, ref)
	} else {
		path := b.cfg.ResolvePath(ref)
		key = path
		if p, ok := b.progs[key]; ok {
			return b.checkKind(p, want, line, what, ref)
		}
		b.files = append(b.files, path)
		var src []byte
		src, err = os.ReadFile(path)
		if err == nil {
			sum := sha256.Sum256(src)
			b.hash = append(b.hash, hex.EncodeToString(sum[:]))
			t, err = templates.Parse(path, src)
		}
	}
	if p, ok := b.progs[key]; ok {
		return b.checkKind(p, want, line, what, ref)
	}
	if err != nil {
		b.errorf(line, "%s: template %q: %v", what, ref, err)
		return nil
	}
	p, err := sandbox.Compile(t)
	if err != nil {
		b.errorf(line, "%s: template %q: %v", what, ref, err)
		return nil
	}
	b.progs[key] = p
	return b.checkKind(p, want, line, what, ref)
}

func (b *builder) checkKind(p *sandbox.Program, want templates.Kind, line int, what, ref string) *sandbox.Program {
	if got := p.Template.Info.Type; got != want {
		b.errorf(line, "%s: template %q is a %s template, want %s", what, ref, got, want)
		return nil
	}
	return p
}

func (b *builder) buildTriggers(c *runtime.Container) {
	for _, t := range b.cfg.Triggers {
		tr := &runtime.Trigger{Name: t.Name, Events: t.Events, Pos: b.pos(t.Line)}
		for _, cd := range t.Conditions {
			cond, err := runtime.NewCondition(cd.Variable, runtime.Operator(cd.Operator), cd.Value, cd.Negate, cd.IgnoreCase)
			if err != nil {
				b.errorf(cd.Line, "trigger %q: %v", t.Name, err)
				continue
			}
			tr.Conditions = append(tr.Conditions, cond)
		}
		if t.FirstCopyOnly {
			cond, err := firstCopyOnly()
			if err != nil {
				b.errorf(t.Line, "trigger %q: %v", t.Name, err)
			}
			tr.Conditions = append(tr.Conditions, cond)
		}
		c.Triggers[t.Name] = tr
	}
	c.Triggers[runtime.AllEvents] = &runtime.Trigger{Name: runtime.AllEvents}
}

func (b *builder) buildVariables(c *runtime.Container) {
	for _, v := range b.cfg.Variables {
		vb := &runtime.VariableBinding{Name: v.Name, Default: v.Default, HasDef: v.Default != nil, Pos: b.pos(v.Line)}
		switch v.Type {
		case config.VarEventData:
			vb.Variable = eventDataVar{v.Key}
		case config.VarRequestHeader:
			vb.Variable = requestHeaderVar{v.Key}
		case config.VarCookie:
			vb.Variable = cookieVar{v.Key}
		case config.VarQueryParameter:
			vb.Variable = queryVar{v.Key}
		case config.VarConstant:
			vb.Variable = constantVar{v.Value}
		case config.VarLookupTable, config.VarRegexTable:
			tv := tableVar{input: v.Input, regex: v.Type == config.VarRegexTable, ignoreCase: v.IgnoreCase}
			for _, r := range v.Rows {
				row := tableRow{key: r.Key, value: r.Value}
				if tv.regex {
					re, err := compileRow(r.Key, v.IgnoreCase, v.FullMatch)
					if err != nil {
						b.errorf(r.Line, "variable %q: %v", v.Name, err)
						continue
					}
					row.re = re
				}
				tv.rows = append(tv.rows, row)
			}
			vb.Variable = tv
		case config.VarTemplate:
			p := b.program(v.Template, templates.KindMacro, v.Line, fmt.Sprintf("variable %q", v.Name))
			if p == nil {
				continue
			}
			params := b.params(p, v.Parameters, v.Line, fmt.Sprintf("variable %q", v.Name))
			vb.Variable = &tags.TemplateVariable{Name: v.Name, Program: p, Pool: b.pool, Params: params}
		default:
			b.errorf(v.Line, "variable %q: unknown type %q", v.Name, v.Type)
			continue
		}
		c.Variables[v.Name] = vb
	}
}

// params checks configured parameters against the template and fills in its defaults.
func (b *builder) params(p *sandbox.Program, given map[string]any, line int, what string) map[string]any {
	for _, msg := range p.Template.CheckParams(given) {
		b.errorf(line, "%s: %s", what, msg)
	}
	out := p.Template.Defaults()
	if out == nil {
		out = map[string]any{}
	}
	for k, v := range given {
		out[k] = v
	}
	return out
}

func (b *builder) buildTags(c *runtime.Container) {
	for _, t := range b.cfg.Tags {
		what := fmt.Sprintf("tag %q", t.Name)
		p := b.program(t.Template, templates.KindTag, t.Line, what)
		tb := &runtime.TagBinding{
			Name: t.Name, Template: t.Template, Priority: t.Priority, Timeout: t.Timeout,
			Paused: t.Paused, Pos: b.pos(t.Line),
		}
		for _, name := range t.Triggers {
			if tr, ok := c.Triggers[name]; ok {
				tb.Firing = append(tb.Firing, tr)
			} else {
				b.errorf(t.Line, "%s: unknown trigger %q", what, name)
			}
		}
		for _, name := range t.BlockingTriggers {
			if tr, ok := c.Triggers[name]; ok {
				tb.Blocking = append(tb.Blocking, tr)
			} else {
				b.errorf(t.Line, "%s: unknown blocking trigger %q", what, name)
			}
		}
		if p == nil {
			continue
		}
		tb.Params = b.params(p, t.Parameters, t.Line, what)
		tb.Tag = &tags.TemplateTag{Program: p, Pool: b.pool}
		c.Tags = append(c.Tags, tb)
	}
}

func (b *builder) buildClients(c *runtime.Container) {
	// The click and postback clients keep their store in server.data_dir.
	clients.SetDataDir(b.cfg.Server.DataDir)
	for _, cl := range b.cfg.Clients {
		what := fmt.Sprintf("client %q", cl.Name)
		cb := &runtime.ClientBinding{Name: cl.Name, Priority: cl.Priority}
		if cl.Template != "" {
			cb.Type = cl.Template
			p := b.program(cl.Template, templates.KindClient, cl.Line, what)
			if p == nil {
				continue
			}
			params := b.params(p, cl.Settings, cl.Line, what)
			cb.Client = &clients.TemplateClient{Name: cl.Name, Program: p, Pool: b.pool, Params: params}
		} else {
			cb.Type = cl.Type
			impl, err := clients.New(cl.Type, cl.Name, cl.Settings)
			if err != nil {
				b.errorf(cl.Line, "%s: %v", what, err)
				continue
			}
			cb.Client = impl
		}
		c.Clients = append(c.Clients, cb)
	}
	sort.SliceStable(c.Clients, func(i, j int) bool { return c.Clients[i].Priority > c.Clients[j].Priority })
}

// closeWithClients returns a Close that also closes the clients that hold resources.
func closeWithClients(next func(), cs []*runtime.ClientBinding) func() {
	return func() {
		closeClients(cs)
		if next != nil {
			next()
		}
	}
}

func closeClients(cs []*runtime.ClientBinding) {
	for _, cb := range cs {
		if cl, ok := cb.Client.(io.Closer); ok {
			if err := cl.Close(); err != nil {
				slog.Warn("closing client", "client", cb.Name, "error", err)
			}
		}
	}
}

// parsePrefixes reads CIDRs (a bare IP is a single-address prefix).
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR nor an IP address", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
