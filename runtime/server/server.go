package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/metrics"
	"github.com/tagd-dev/tagd/runtime/outbox"
	"github.com/tagd-dev/tagd/runtime/preview"
)

// Ingress returns the public handler: /healthz and sGTM's /healthy answer "ok"; every other
// request goes to the engine (its clients decide).
func Ingress(e *runtime.Engine) http.Handler {
	r := mux.NewRouter()
	r.SkipClean(true)
	health := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	}
	r.HandleFunc("/healthz", health).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/healthy", health).Methods(http.MethodGet, http.MethodHead)
	r.PathPrefix("/").Handler(e)
	return r
}

// AdminExtras are the optional parts of the admin listener.
type AdminExtras struct {
	// Preview serves the preview UI at / and /api/requests, /api/preview.
	Preview *preview.Recorder
	// Metrics is served at /metrics; its outbox stats join /api/status.
	Metrics *metrics.Metrics
	// Templates lists the templates a container runs, for /api/status (cmd knows the
	// template implementations; this package must not import them).
	Templates func(*runtime.Container) []TemplateInfo
	// Outbox is listed, shown, replayed and dropped under /api/outbox (outbox_admin.go).
	Outbox *outbox.Outbox
}

// Admin returns the admin handler: container status and reload, guarded by token when set;
// with extras, also the preview UI and API, /metrics and /debug/pprof/.
func Admin(e *runtime.Engine, rl *loader.Reloader, token string, started time.Time, extras ...AdminExtras) http.Handler {
	var ext AdminExtras
	if len(extras) > 0 {
		ext = extras[0]
	}
	r := mux.NewRouter()
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	api := r.PathPrefix("/api").Subrouter()
	api.Use(func(next http.Handler) http.Handler { return requireToken(token, next) })
	api.HandleFunc("/status", func(w http.ResponseWriter, _ *http.Request) {
		c := e.Container()
		st := map[string]any{
			"container_id":      c.Env.ContainerID,
			"container_version": c.Env.Version,
			"clients":           len(c.Clients),
			"tags":              len(c.Tags),
			"variables":         len(c.Variables),
			"uptime_seconds":    time.Since(started).Seconds(),
		}
		if ext.Templates != nil {
			st["templates"] = ext.Templates(c)
		}
		if ext.Metrics != nil {
			if depth, dead, ok := ext.Metrics.Outbox(); ok {
				st["outbox_depth"], st["outbox_dead_letters"] = depth, dead
			}
		}
		if ext.Preview != nil {
			st["preview"] = map[string]any{"capture": ext.Preview.Policy(), "held": ext.Preview.Len()}
		}
		if rl != nil {
			st["last_reload_ok"] = rl.LastError() == nil
			if err := rl.LastError(); err != nil {
				st["last_reload_errors"] = strings.Split(err.Error(), "\n")
			}
		}
		writeJSON(w, http.StatusOK, st)
	}).Methods(http.MethodGet)
	api.HandleFunc("/reload", func(w http.ResponseWriter, _ *http.Request) {
		if rl == nil {
			writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "errors": []string{"running the embedded container: nothing to reload"}})
			return
		}
		if err := rl.Reload(); err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"ok": false, "errors": strings.Split(err.Error(), "\n")})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "container_version": e.Container().Env.Version})
	}).Methods(http.MethodPost)
	mountObservability(r, api, token, ext)
	if ext.Outbox != nil {
		mountOutbox(api, ext.Outbox)
	}
	return r
}

func requireToken(token string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token == "" && !loopbackHost(r.Host) {
			// Without a token the listener is loopback-only; a foreign Host means a web page
			// reached it through DNS rebinding, and must not read preview data.
			writeJSON(w, http.StatusForbidden, map[string]any{"error": "admin listener without admin_token answers only to localhost, 127.0.0.1 or [::1]"})
			return
		}
		if token != "" {
			got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
			if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tagd admin"`)
				writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "missing or wrong admin token"})
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// IsLoopback reports whether a listen address binds only loopback interfaces.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Options configure Run.
type Options struct {
	Listen      string
	AdminListen string
	AdminToken  string
	Engine      *runtime.Engine
	Reloader    *loader.Reloader
	Logger      *slog.Logger
	// Ready, when set, receives the bound ingress address once listening.
	Ready func(ingress, admin string)
	// ShutdownTimeout bounds the graceful drain.
	ShutdownTimeout time.Duration
	// Preview and Metrics, when set, are served on the admin listener; Templates feeds
	// /api/status.
	Preview   *preview.Recorder
	Metrics   *metrics.Metrics
	Templates func(*runtime.Container) []TemplateInfo
	// Outbox, when set, gets its admin routes.
	Outbox *outbox.Outbox
}

// Run serves until ctx ends, then drains in-flight requests.
func Run(ctx context.Context, o Options) error {
	if o.AdminListen != "" && !IsLoopback(o.AdminListen) && o.AdminToken == "" {
		return fmt.Errorf("admin listener %s is not loopback-only: set server.admin_token", o.AdminListen)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("ingress listener: %w", err)
	}
	srv := &http.Server{Handler: Ingress(o.Engine), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var adm *http.Server
	adminAddr := ""
	if o.AdminListen != "" {
		aln, err := net.Listen("tcp", o.AdminListen)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("admin listener: %w", err)
		}
		adminAddr = aln.Addr().String()
		adm = &http.Server{Handler: Admin(o.Engine, o.Reloader, o.AdminToken, time.Now(), AdminExtras{Preview: o.Preview, Metrics: o.Metrics, Outbox: o.Outbox, Templates: o.Templates}), ReadHeaderTimeout: 10 * time.Second}
		if o.Preview != nil {
			// Live preview streams never go idle: end them so Shutdown can finish.
			adm.RegisterOnShutdown(o.Preview.Close)
		}
		go func() { errc <- adm.Serve(aln) }()
	}
	logger.Info("tagd serving", "listen", ln.Addr().String(), "admin", adminAddr, "container_version", o.Engine.Container().Env.Version)
	if o.Ready != nil {
		o.Ready(ln.Addr().String(), adminAddr)
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	timeout := o.ShutdownTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	logger.Info("shutting down: draining in-flight requests", "deadline", timeout.String())
	err = srv.Shutdown(sctx)
	_ = o.Engine.Shutdown(sctx)
	if adm != nil {
		_ = adm.Shutdown(sctx)
	}
	return err
}
