package preview

import (
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

// DefaultLimit is the number of summaries /api/requests returns without ?limit=.
const DefaultLimit = 50

// maxControlBody caps the body of POST /api/preview.
const maxControlBody = 4 << 10

// API serves the preview part of the admin API, at the paths it is mounted on:
//
//	GET    /api/requests?limit=N&path=&client=&event=&status=  summaries, newest first
//	DELETE /api/requests                                        drop every record
//	GET    /api/requests/stream?path=&client=&event=&status=    Server-Sent Events, one "request" event per new record
//	GET    /api/requests/{id}                                   the full record
//	GET    /api/preview                                         the capture policy
//	POST   /api/preview {"capture_all": bool}                   switch capture of all traffic
//
// Authentication is the mounting server's job.
func (r *Recorder) API() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := strings.TrimSuffix(req.URL.Path, "/")
		switch {
		case p == "/api/preview":
			r.servePolicy(w, req)
		case p == "/api/requests":
			switch req.Method {
			case http.MethodGet, http.MethodHead:
				r.serveList(w, req)
			case http.MethodDelete:
				r.Clear()
				w.WriteHeader(http.StatusNoContent)
			default:
				methodNotAllowed(w, "GET, HEAD, DELETE")
			}
		case p == "/api/requests/stream":
			if req.Method != http.MethodGet {
				methodNotAllowed(w, "GET")
				return
			}
			r.serveStream(w, req)
		case strings.HasPrefix(p, "/api/requests/"):
			if req.Method != http.MethodGet && req.Method != http.MethodHead {
				methodNotAllowed(w, "GET, HEAD")
				return
			}
			id := strings.TrimPrefix(p, "/api/requests/")
			rec := r.Get(id)
			if rec == nil {
				writeError(w, http.StatusNotFound, fmt.Sprintf("no captured request %q (it may have left the buffer of %d)", id, len(r.ring)))
				return
			}
			writeJSON(w, http.StatusOK, rec)
		default:
			writeError(w, http.StatusNotFound, "not found")
		}
	})
}

// ListResponse is the body of GET /api/requests.
type ListResponse struct {
	Requests []Summary `json:"requests"`
	Held     int       `json:"held"`
	Policy   Policy    `json:"capture"`
}

func (r *Recorder) serveList(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	f, err := ParseFilter(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	limit, err := ParseLimit(q.Get("limit"), DefaultLimit, len(r.ring))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, ListResponse{Requests: r.List(f, limit), Held: r.Len(), Policy: r.Policy()})
}

func (r *Recorder) servePolicy(w http.ResponseWriter, req *http.Request) {
	switch req.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		var body struct {
			CaptureAll *bool `json:"capture_all"`
		}
		dec := json.NewDecoder(io.LimitReader(req.Body, maxControlBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, "body: want {\"capture_all\": true|false}: "+err.Error())
			return
		}
		if body.CaptureAll == nil {
			writeError(w, http.StatusBadRequest, "body: capture_all is required")
			return
		}
		if r.disabled && *body.CaptureAll {
			writeError(w, http.StatusConflict, "preview capture is disabled in the config ([preview] enabled = false)")
			return
		}
		r.SetCaptureAll(*body.CaptureAll)
	default:
		methodNotAllowed(w, "GET, HEAD, POST")
		return
	}
	writeJSON(w, http.StatusOK, r.Policy())
}

// serveStream sends each new record's summary as an SSE "request" event until the client
// goes away or the recorder closes. A stream that falls behind is ended; EventSource (and
// the UI's reader) reconnects and reloads the list.
func (r *Recorder) serveStream(w http.ResponseWriter, req *http.Request) {
	f, err := ParseFilter(req.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rc := http.NewResponseController(w)
	ch, cancel := r.Subscribe()
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if _, err := io.WriteString(w, "retry: 2000\n: connected\n\n"); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(r.keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-req.Context().Done():
			return
		case <-tick.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case s, ok := <-ch:
			if !ok {
				return
			}
			if !f.Match(s) {
				continue
			}
			b, err := json.Marshal(s)
			if err != nil {
				continue
			}
			if _, err := fmt.Fprintf(w, "id: %s\nevent: request\ndata: %s\n\n", s.ID, b); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

//go:embed ui
var uiFiles embed.FS

// UI serves the preview page at / and its script and style under /ui/. The page holds no
// data: it reads everything through the (token-protected) API.
func UI() http.Handler {
	sub, err := fs.Sub(uiFiles, "ui")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	files := http.StripPrefix("/ui/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := w.Header()
		// The page shows data sent by anyone on the internet (event data, headers): it is
		// only ever written as text, and this policy forbids any script but our own.
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		switch {
		case req.URL.Path == "/" || req.URL.Path == "/ui" || req.URL.Path == "/ui/":
			page, err := uiFiles.ReadFile("ui/index.html")
			if err != nil {
				writeError(w, http.StatusInternalServerError, err.Error())
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(page)
		case strings.HasPrefix(req.URL.Path, "/ui/"):
			files.ServeHTTP(w, req)
		default:
			http.NotFound(w, req)
		}
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	_, _ = w.Write(append(b, '\n'))
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "method not allowed; use "+allow)
}
