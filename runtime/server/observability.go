package server

import (
	"net"
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/gorilla/mux"
	"github.com/tagd-dev/tagd/runtime/preview"
)

// mountObservability adds the preview UI and API, /metrics and /debug/pprof/ to the admin
// router. Everything but the (data-free) UI page is behind the admin token.
func mountObservability(r, api *mux.Router, token string, ext AdminExtras) {
	if ext.Preview != nil {
		h := ext.Preview.API()
		api.Path("/requests").Handler(h)
		api.PathPrefix("/requests/").Handler(h)
		api.Path("/preview").Handler(h)
		ui := preview.UI()
		r.Path("/").Handler(ui)
		r.PathPrefix("/ui/").Handler(ui)
	}
	if ext.Metrics != nil {
		r.Path("/metrics").Handler(requireToken(token, ext.Metrics.Handler()))
	}
	prof := http.NewServeMux()
	prof.HandleFunc("/debug/pprof/", pprof.Index) // also serves heap, goroutine, allocs, block, mutex, threadcreate
	prof.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	prof.HandleFunc("/debug/pprof/profile", pprof.Profile)
	prof.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	prof.HandleFunc("/debug/pprof/trace", pprof.Trace)
	r.PathPrefix("/debug/pprof/").Handler(requireToken(token, prof))
}

// loopbackHost reports whether a Host header names this machine's loopback interface.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// TemplateInfo names one template a container runs (in /api/status).
type TemplateInfo struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name,omitempty"`
	Kind        string `json:"kind"`
}
