package clients

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tagd-dev/tagd/clients/data"
	"github.com/tagd-dev/tagd/runtime"
)

func init() { Register("data", newData) }

// DefaultDataPath is where the data client listens unless configured otherwise.
const DefaultDataPath = "/data"

// Data is the generic data client for server SDKs, webhooks and scripts: JSON or form
// events over POST or GET on its paths, one event or a batch, keys passed through as
// common event data.
type Data struct {
	deps
	name     string
	paths    map[string]bool
	origins  []string
	maxBody  int64
	apiKeys  []string
	identity identityConfig
}

func newData(name string, raw map[string]any) (runtime.Client, error) {
	s := newSettings(raw)
	c := &Data{name: name, paths: map[string]bool{}}
	for _, p := range s.strings("paths", []string{DefaultDataPath}) {
		if !strings.HasPrefix(p, "/") {
			s.errorf("paths", "path %q must start with /", p)
			continue
		}
		c.paths[strings.TrimSuffix(p, "/")] = true
	}
	if len(c.paths) == 0 {
		s.errorf("paths", "at least one path is required")
	}
	c.origins = s.strings("cors_allowed_origins", nil)
	c.maxBody = s.integer("max_body_bytes", 1<<20, 1, 16<<20)
	c.apiKeys = s.strings("api_keys", nil)
	for _, k := range c.apiKeys {
		if k == "" {
			s.errorf("api_keys", "an api key must not be empty")
		}
	}
	c.identity = readIdentity(s, false)
	if err := s.err(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Data) owns(path string) bool {
	p := strings.TrimSuffix(path, "/")
	if p == "" {
		p = "/"
	}
	return c.paths[p]
}

// Handle implements runtime.Client.
func (c *Data) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	r := x.Request
	if !c.owns(r.Path) {
		return false, nil
	}
	if err := x.Claim(c.name); err != nil {
		return false, err
	}
	resp := x.Response()
	allowed := cors(x, c.origins)
	switch r.Method {
	case http.MethodOptions:
		resp.SetStatus(http.StatusNoContent)
		resp.Return()
		return true, nil
	case http.MethodGet, http.MethodPost:
	default:
		resp.SetHeader("Allow", "GET, POST, OPTIONS", false)
		reject(ctx, x, c.name, http.StatusMethodNotAllowed, true, "the data client takes GET and POST requests")
		return true, nil
	}
	if !allowed {
		reject(ctx, x, c.name, http.StatusForbidden, true, "origin not allowed")
		return true, nil
	}
	if len(c.apiKeys) > 0 && !c.authorised(r) {
		resp.SetHeader("WWW-Authenticate", `Bearer realm="tagd data client"`, false)
		reject(ctx, x, c.name, http.StatusUnauthorized, true, "missing or wrong api key")
		return true, nil
	}
	if int64(len(r.Body)) > c.maxBody {
		reject(ctx, x, c.name, http.StatusRequestEntityTooLarge, true, fmt.Sprintf("body of %d bytes exceeds the limit of %d", len(r.Body), c.maxBody))
		return true, nil
	}
	events, err := data.Parse(data.Input{
		Method: r.Method, RawQuery: r.RawQuery, ContentType: r.Header.Get("Content-Type"), Body: r.Body,
		RemoteIP: r.RemoteIP, UserAgent: r.Header.Get("User-Agent"), Ignore: []string{"api_key"},
	})
	if err != nil {
		reject(ctx, x, c.name, http.StatusBadRequest, true, "malformed event data: "+err.Error())
		return true, nil
	}
	if c.identity.Enabled {
		landing := r.QueryValues()
		if loc, _ := events[0]["page_location"].(string); loc != "" {
			if u, err := url.Parse(loc); err == nil {
				landing = u.Query()
			}
		}
		id := c.identity.resolve(r, landing, c.clock(), c.rnd)
		addCookies(resp, id.SetCookies)
		for _, ev := range events {
			id.addTo(ev)
		}
	}
	runErr := runAll(ctx, x, events)
	writeJSON(resp, http.StatusOK, map[string]any{"status": "ok", "events": len(events)})
	resp.Return()
	return true, runErr
}

func (c *Data) authorised(r *runtime.Request) bool {
	got := r.Header.Get("X-Api-Key")
	if got == "" {
		if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "Bearer ") {
			got = strings.TrimSpace(a[7:])
		}
	}
	if got == "" {
		got, _ = r.QueryParam("api_key")
	}
	if got == "" {
		return false
	}
	ok := 0
	for _, k := range c.apiKeys {
		ok |= subtle.ConstantTimeCompare([]byte(got), []byte(k))
	}
	return ok == 1
}
