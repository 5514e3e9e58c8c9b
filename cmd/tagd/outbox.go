package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime/dedup"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/outbox"
	"github.com/tagd-dev/tagd/runtime/server"
)

const outboxUsage = `Usage: tagd outbox [-config FILE | -store PATH | -admin URL [-token TOKEN]] COMMAND ...

Commands:
  stats                                        queue and dead-letter counts
  list   [-state pending|dead|all] [-tag NAME] [-host HOST] [-limit N] [-json]
  show   [-json] ID                            one request with headers and body
  replay ID... | -all [-tag NAME] [-host HOST] send dead letters again under their policy
  drop   ID... | -all -state pending|dead|all [-tag NAME] [-host HOST]

Without -admin the store file is opened directly (server.data_dir and [delivery] store of
-config, or -store). If a running tagd holds it, the command goes to that tagd's admin API
(server.admin_listen and admin_token of -config) instead.
`

// openDelivery opens the process-wide outbox and dedup store of tagd serve.
func openDelivery(cfg *config.Config, logger *slog.Logger) (*outbox.Outbox, dedup.Store, error) {
	guarded, redirect, err := loader.RetrySenders(cfg)
	if err != nil {
		return nil, nil, err
	}
	ob, err := outbox.Open(outbox.Options{
		Path:           cfg.Delivery.StorePath(cfg.Server.DataDir),
		Sender:         guarded,
		RedirectSender: redirect,
		Logger:         logger,
		MaxDeadBytes:   cfg.Delivery.DeadBytes(),
	})
	if err != nil {
		return nil, nil, err
	}
	if st := ob.Stats(); st.Pending > 0 || st.Dead > 0 {
		logger.Info("outbox opened", "path", st.Path, "pending", st.Pending, "dead", st.Dead)
	}
	var store dedup.Store
	if cfg.Dedup.StoreKind() == config.DedupDisk {
		d, err := dedup.OpenDisk(cfg.Dedup.StorePath(cfg.Server.DataDir), 0)
		if err != nil {
			_ = ob.Close(context.Background())
			return nil, nil, err
		}
		store = d
	} else {
		store = dedup.NewMemory(cfg.Dedup.Capacity())
	}
	return ob, store, nil
}

// closeDelivery flushes the outbox (everything queued is on disk) and closes the stores.
func closeDelivery(ob *outbox.Outbox, store dedup.Store, logger *slog.Logger, timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := ob.Close(ctx); err != nil {
		logger.Error("closing the outbox", "error", err)
	}
	st := ob.Stats()
	logger.Info("outbox closed", "path", st.Path, "pending", st.Pending, "dead", st.Dead)
	if err := store.Close(); err != nil {
		logger.Error("closing the dedup store", "error", err)
	}
}

// outboxGauge adapts the outbox to the metrics package's OutboxStats.
type outboxGauge struct{ o *outbox.Outbox }

func (g outboxGauge) Stats() (depth, dead int) {
	s := g.o.Stats()
	return s.Pending, s.Dead
}

// outboxAPI is what the subcommands need, from the store file or from the admin API.
type outboxAPI interface {
	Stats() (outbox.Stats, error)
	List(f outbox.Filter) ([]outbox.Summary, error)
	Get(id uint64) (*outbox.Item, error)
	Replay(id uint64) error
	ReplayAll(f outbox.Filter) (int, error)
	Drop(id uint64) error
	DropAll(f outbox.Filter) (int, error)
	Close()
}

func runOutbox(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("outbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, outboxUsage) }
	cfgPath := fs.String("config", "", "config whose server.data_dir and [delivery] store locate the outbox")
	storePath := fs.String("store", "", "outbox file (overrides -config)")
	adminURL := fs.String("admin", "", "admin API base URL of a running tagd, e.g. http://127.0.0.1:8081")
	token := fs.String("token", "", "admin token (default: the config's admin_token, or $TAGD_ADMIN_TOKEN)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, outboxUsage)
		return 2
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	switch cmd {
	case "stats", "list", "show", "replay", "drop":
	default:
		fmt.Fprintf(stderr, "tagd outbox: unknown command %q\n\n%s", cmd, outboxUsage)
		return 2
	}
	sub, err := parseOutboxSub(cmd, rest, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "tagd outbox %s: %v\n", cmd, err)
		return 2
	}
	api, err := openOutboxAPI(*cfgPath, *storePath, *adminURL, *token, cmd, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tagd outbox: %v\n", err)
		return 1
	}
	defer api.Close()
	if err := sub.run(api, stdout); err != nil {
		fmt.Fprintf(stderr, "tagd outbox %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// outboxSub is one parsed subcommand.
type outboxSub struct {
	cmd    string
	filter outbox.Filter
	all    bool
	json   bool
	ids    []uint64
}

func parseOutboxSub(cmd string, args []string, stderr io.Writer) (*outboxSub, error) {
	s := &outboxSub{cmd: cmd}
	fs := flag.NewFlagSet("outbox "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	state := ""
	if cmd == "list" || cmd == "drop" {
		fs.StringVar(&state, "state", "", "pending, dead or all")
	}
	if cmd != "stats" && cmd != "show" {
		fs.StringVar(&s.filter.Tag, "tag", "", "only this tag's requests")
		fs.StringVar(&s.filter.Host, "host", "", "only requests to this host[:port]")
	}
	if cmd == "list" {
		fs.IntVar(&s.filter.Limit, "limit", 0, "at most this many (0 = all)")
	}
	if cmd == "replay" || cmd == "drop" {
		fs.BoolVar(&s.all, "all", false, "every matching item instead of IDs")
	}
	if cmd == "list" || cmd == "show" || cmd == "stats" {
		fs.BoolVar(&s.json, "json", false, "print JSON")
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch state {
	case "", "all":
	case string(outbox.Pending), string(outbox.Dead):
		s.filter.State = outbox.State(state)
	default:
		return nil, fmt.Errorf("-state %q: want pending, dead or all", state)
	}
	for _, a := range fs.Args() {
		id, err := strconv.ParseUint(a, 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("%q is not an item ID", a)
		}
		s.ids = append(s.ids, id)
	}
	switch cmd {
	case "stats", "list":
		if len(s.ids) > 0 {
			return nil, fmt.Errorf("unexpected arguments %v", fs.Args())
		}
	case "show":
		if len(s.ids) != 1 {
			return nil, errors.New("give one item ID")
		}
	case "replay", "drop":
		if s.all == (len(s.ids) > 0) {
			return nil, errors.New("give item IDs or -all")
		}
		if cmd == "drop" && s.all && state == "" {
			return nil, errors.New("-all needs -state pending, dead or all")
		}
		if !s.all && (s.filter.Tag != "" || s.filter.Host != "" || state != "") {
			return nil, errors.New("-tag, -host and -state only apply with -all")
		}
	}
	return s, nil
}

func (s *outboxSub) run(api outboxAPI, w io.Writer) error {
	switch s.cmd {
	case "stats":
		st, err := api.Stats()
		if err != nil {
			return err
		}
		if s.json {
			return printJSON(w, st)
		}
		printStats(w, st)
	case "list":
		items, err := api.List(s.filter)
		if err != nil {
			return err
		}
		if s.json {
			if items == nil {
				items = []outbox.Summary{}
			}
			return printJSON(w, items)
		}
		printList(w, items)
	case "show":
		it, err := api.Get(s.ids[0])
		if err != nil {
			return err
		}
		if s.json {
			return printJSON(w, server.ItemView(it))
		}
		printItem(w, it)
	case "replay", "drop":
		verb := map[string]string{"replay": "replayed", "drop": "dropped"}[s.cmd]
		if s.all {
			f := s.filter
			var n int
			var err error
			if s.cmd == "replay" {
				n, err = api.ReplayAll(f)
			} else {
				n, err = api.DropAll(f)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%s %d items\n", verb, n)
			return nil
		}
		var errs []error
		for _, id := range s.ids {
			var err error
			if s.cmd == "replay" {
				err = api.Replay(id)
			} else {
				err = api.Drop(id)
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			fmt.Fprintf(w, "%s %d\n", verb, id)
		}
		return errors.Join(errs...)
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printStats(w io.Writer, st outbox.Stats) {
	fmt.Fprintf(w, "store:   %s\npending: %d (%d bytes)\ndead:    %d (%d bytes)\n", st.Path, st.Pending, st.PendingBytes, st.Dead, st.DeadBytes)
	if st.StoreError != "" {
		fmt.Fprintf(w, "store error: %s\n", st.StoreError)
	}
	hosts := make([]string, 0, len(st.Hosts))
	for h := range st.Hosts {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		fmt.Fprintf(w, "  %-40s %d pending\n", h, st.Hosts[h])
	}
	t := st.Totals
	if t != (outbox.Totals{}) {
		fmt.Fprintf(w, "since start: queued %d, retried %d, delivered %d, dead %d, not queued %d, replayed %d, dropped %d, evicted %d\n",
			t.Queued, t.Retried, t.Delivered, t.Dead, t.NotQueued, t.Replayed, t.Dropped, t.Evicted)
	}
}

func printList(w io.Writer, items []outbox.Summary) {
	if len(items) == 0 {
		fmt.Fprintln(w, "no items")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tTAG\tMETHOD\tHOST\tATTEMPTS\tLAST\tNEXT / DEAD AT\tREASON")
	for _, s := range items {
		last := "-"
		if s.LastStatus != 0 {
			last = strconv.Itoa(s.LastStatus)
		} else if s.LastError != "" {
			last = "error"
		}
		when := s.NotBefore
		if s.State == outbox.Dead {
			when = s.DeadAt
		}
		reason := s.Reason
		if reason == "" {
			reason = s.LastError
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", s.ID, s.State, s.Tag, s.Method, s.Host, s.Attempts, last, fmtTime(when), oneLine(reason, 80))
	}
	_ = tw.Flush()
}

func printItem(w io.Writer, it *outbox.Item) {
	p := it.Policy
	fmt.Fprintf(w, "id:        %d\nstate:     %s\ntag:       %s\n", it.ID, it.State, it.Tag)
	fmt.Fprintf(w, "policy:    max_attempts=%d max_age=%s base_delay=%s max_delay=%s ordered=%v\n", p.MaxAttempts, p.MaxAge, p.BaseDelay, p.MaxDelay, p.Ordered)
	fmt.Fprintf(w, "created:   %s\nattempts:  %d", fmtTime(it.Created), it.Attempts)
	if !it.LastAttempt.IsZero() {
		fmt.Fprintf(w, " (last %s", fmtTime(it.LastAttempt))
		if it.LastStatus != 0 {
			fmt.Fprintf(w, ", status %d", it.LastStatus)
		}
		fmt.Fprint(w, ")")
	}
	fmt.Fprintln(w)
	if it.State == outbox.Pending {
		fmt.Fprintf(w, "next:      %s\n", fmtTime(it.NotBefore))
	} else {
		fmt.Fprintf(w, "dead at:   %s\nreason:    %s\n", fmtTime(it.DeadAt), it.Reason)
	}
	if it.LastError != "" {
		fmt.Fprintf(w, "error:     %s\n", it.LastError)
	}
	if it.Replays > 0 {
		fmt.Fprintf(w, "replays:   %d\n", it.Replays)
	}
	if it.LastResponse != "" {
		fmt.Fprintf(w, "response:  %s\n", oneLine(it.LastResponse, 400))
	}
	fmt.Fprintf(w, "\n%s %s\n", it.Method, it.URL)
	keys := make([]string, 0, len(it.Header))
	for k := range it.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range it.Header[k] {
			fmt.Fprintf(w, "%s: %s\n", k, v)
		}
	}
	if len(it.Body) > 0 {
		if utf8.Valid(it.Body) {
			fmt.Fprintf(w, "\n%s\n", it.Body)
		} else {
			fmt.Fprintf(w, "\n(%d bytes, not UTF-8; base64)\n%s\n", len(it.Body), base64.StdEncoding.EncodeToString(it.Body))
		}
	}
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.RFC3339)
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		return string(r[:max]) + "…"
	}
	return s
}

// openOutboxAPI finds the outbox: the admin API when asked, else the store file, falling
// back to the admin API when a running tagd holds the file.
func openOutboxAPI(cfgPath, storePath, adminURL, token, cmd string, stderr io.Writer) (outboxAPI, error) {
	var cfg *config.Config
	if cfgPath != "" {
		c, err := config.Load(cfgPath)
		if err != nil {
			return nil, err
		}
		cfg = c
	}
	if token == "" {
		if cfg != nil {
			token = cfg.Server.AdminToken
		}
		if token == "" {
			token = os.Getenv("TAGD_ADMIN_TOKEN")
		}
	}
	if adminURL != "" {
		return newRemoteOutbox(adminURL, token)
	}
	path := storePath
	if path == "" {
		c := cfg
		if c == nil {
			c = config.Default()
		}
		path = c.Delivery.StorePath(c.Server.DataDir)
	}
	readOnly := cmd == "stats" || cmd == "list" || cmd == "show"
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !readOnly {
		return nil, fmt.Errorf("no outbox store at %s (nothing has been queued there)", path)
	}
	ob, err := outbox.Open(outbox.Options{
		Path: path, ReadOnly: readOnly, NoDelivery: true, LockTimeout: 500 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err == nil {
		return localOutbox{ob}, nil
	}
	if !errors.Is(err, outbox.ErrLocked) {
		return nil, err
	}
	if cfg == nil || cfg.Server.AdminListen == "" {
		return nil, fmt.Errorf("%w; a running tagd holds it: pass -admin http://HOST:PORT (or -config with its admin_listen)", err)
	}
	base := adminBase(cfg.Server.AdminListen)
	fmt.Fprintf(stderr, "tagd outbox: %s is in use by a running tagd; using its admin API at %s\n", path, base)
	return newRemoteOutbox(base, token)
}

// adminBase turns a listen address into a URL; an empty host means this machine.
func adminBase(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// localOutbox is the store file opened directly.
type localOutbox struct{ o *outbox.Outbox }

func (l localOutbox) Stats() (outbox.Stats, error)                   { return l.o.Stats(), nil }
func (l localOutbox) List(f outbox.Filter) ([]outbox.Summary, error) { return l.o.List(f) }
func (l localOutbox) Get(id uint64) (*outbox.Item, error)            { return l.o.Get(id) }
func (l localOutbox) Replay(id uint64) error                         { _, err := l.o.Replay(id); return err }
func (l localOutbox) ReplayAll(f outbox.Filter) (int, error)         { return l.o.ReplayAll(f) }
func (l localOutbox) Drop(id uint64) error                           { return l.o.Drop(id) }
func (l localOutbox) DropAll(f outbox.Filter) (int, error)           { return l.o.DropAll(f) }
func (l localOutbox) Close()                                         { _ = l.o.Close(context.Background()) }

// remoteOutbox is a running tagd's admin API.
type remoteOutbox struct {
	base   string
	token  string
	client *http.Client
}

func newRemoteOutbox(base, token string) (*remoteOutbox, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-admin %q: want an http:// or https:// URL", base)
	}
	return &remoteOutbox{base: strings.TrimRight(base, "/"), token: token, client: &http.Client{Timeout: 30 * time.Second}}, nil
}

func (r *remoteOutbox) call(method, path string, q url.Values, out any) error {
	u := r.base + "/api/outbox" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return err
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return fmt.Errorf("admin API: %s (HTTP %d)", e.Error, resp.StatusCode)
		}
		return fmt.Errorf("admin API: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("admin API: decoding %s: %w", path, err)
	}
	return nil
}

func filterQuery(f outbox.Filter, withState bool) url.Values {
	q := url.Values{}
	if f.Tag != "" {
		q.Set("tag", f.Tag)
	}
	if f.Host != "" {
		q.Set("host", f.Host)
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if withState {
		s := string(f.State)
		if s == "" {
			s = "all"
		}
		q.Set("state", s)
	}
	return q
}

func (r *remoteOutbox) Stats() (outbox.Stats, error) {
	var st outbox.Stats
	return st, r.call(http.MethodGet, "", nil, &st)
}

func (r *remoteOutbox) List(f outbox.Filter) ([]outbox.Summary, error) {
	var out struct {
		Items []outbox.Summary `json:"items"`
	}
	return out.Items, r.call(http.MethodGet, "/items", filterQuery(f, true), &out)
}

func (r *remoteOutbox) Get(id uint64) (*outbox.Item, error) {
	var out server.OutboxItem
	if err := r.call(http.MethodGet, fmt.Sprintf("/items/%d", id), nil, &out); err != nil {
		return nil, err
	}
	if out.Item == nil {
		return nil, fmt.Errorf("admin API: item %d: empty answer", id)
	}
	return out.Item, nil
}

func (r *remoteOutbox) Replay(id uint64) error {
	return r.call(http.MethodPost, fmt.Sprintf("/items/%d/replay", id), nil, nil)
}

func (r *remoteOutbox) Drop(id uint64) error {
	return r.call(http.MethodDelete, fmt.Sprintf("/items/%d", id), nil, nil)
}

func (r *remoteOutbox) ReplayAll(f outbox.Filter) (int, error) {
	var out struct {
		Replayed int `json:"replayed"`
	}
	return out.Replayed, r.call(http.MethodPost, "/replay", filterQuery(f, false), &out)
}

func (r *remoteOutbox) DropAll(f outbox.Filter) (int, error) {
	var out struct {
		Dropped int `json:"dropped"`
	}
	return out.Dropped, r.call(http.MethodPost, "/drop", filterQuery(f, true), &out)
}

func (r *remoteOutbox) Close() {}
