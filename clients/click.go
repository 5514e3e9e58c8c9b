package clients

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/tagd-dev/tagd/clients/links"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/clickstore"
)

func init() { Register("click", newClick) }

// Defaults of the click client.
const (
	DefaultClickPrefix = "/c/"
	DefaultClickParam  = "click_id"
	DefaultClickCookie = "click_id"
	DefaultClickEvent  = "click"
	maxClickParams     = 50
	maxClickValue      = 1024
)

// Click serves click-ID tracking links: GET /c/{link} mints a click ID, records the click
// in the click store, sets the click-ID cookie (and identity cookies), runs a click event
// and redirects (302) to the link's destination with the click ID appended.
type Click struct {
	deps
	name       string
	prefix     string
	param      string
	event      string
	retention  time.Duration
	cookieName string
	cookie     cookiePolicy
	campaign   []string
	affiliate  []string
	links      map[string]*link
	identity   identityConfig
	store      *clickstore.Store
}

type link struct {
	name      string
	dest      *links.Template
	param     string
	campaign  string
	affiliate string
}

func newClick(name string, raw map[string]any) (runtime.Client, error) {
	s := newSettings(raw)
	c := &Click{name: name, links: map[string]*link{}}
	c.prefix = s.str("path_prefix", DefaultClickPrefix)
	if !strings.HasPrefix(c.prefix, "/") {
		s.errorf("path_prefix", "%q must start with /", c.prefix)
	}
	if !strings.HasSuffix(c.prefix, "/") {
		c.prefix += "/"
	}
	c.param = s.str("click_id_param", DefaultClickParam)
	c.event = s.str("event_name", DefaultClickEvent)
	c.retention = s.duration("retention", 90*24*time.Hour, time.Hour, 10*365*24*time.Hour)
	c.campaign = s.strings("campaign_params", []string{"utm_campaign", "campaign", "campaign_id", "cmp"})
	c.affiliate = s.strings("affiliate_params", []string{"aff_id", "affiliate_id", "affiliate", "aff", "pub_id", "pid"})
	c.cookieName = DefaultClickCookie
	c.cookie = cookiePolicy{Domain: "auto", Path: "/", MaxAge: 90 * 24 * time.Hour, HTTPOnly: true, Secure: true, SameSite: "Lax"}
	if t := s.table("cookie"); t != nil {
		c.cookieName = t.str("name", c.cookieName)
		c.cookie = readCookiePolicy(t, c.cookie)
		s.adopt(t)
	}
	c.identity = readIdentity(s, true)
	if lt := s.table("links"); lt != nil {
		for _, ln := range sortedKeys(lt.m) {
			if err := links.CheckClickID(ln); err != nil { // same charset as ids: safe in paths and logs
				lt.get(ln)
				lt.errorf(ln, "link name must be letters, digits, '-', '_' and '.'")
				continue
			}
			t := lt.table(ln)
			if t == nil {
				continue
			}
			l := &link{name: ln, param: c.param}
			dest := t.str("destination", "")
			if dest == "" {
				t.errorf("destination", "a destination URL is required")
			} else if tpl, err := links.ParseTemplate(dest); err != nil {
				t.errorf("destination", "%v", err)
			} else {
				l.dest = tpl
			}
			l.param = t.str("click_id_param", c.param)
			l.campaign = t.str("campaign", "")
			l.affiliate = t.str("affiliate", "")
			lt.adopt(t)
			c.links[ln] = l
		}
		s.adopt(lt)
	}
	if len(c.links) == 0 {
		s.errorf("links", "define at least one link: [client.settings.links.<name>] destination = \"https://…\"")
	}
	store, err := openStore(s)
	if err != nil {
		s.errorf("data_dir", "%v", err)
	}
	if err := s.err(); err != nil {
		if store != nil {
			_ = store.Close()
		}
		return nil, err
	}
	c.store = store
	return c, nil
}

// Close releases the click store.
func (c *Click) Close() error { return c.store.Close() }

// Handle implements runtime.Client.
func (c *Click) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	r := x.Request
	name, ok := strings.CutPrefix(r.Path, c.prefix)
	if !ok {
		return false, nil
	}
	if err := x.Claim(c.name); err != nil {
		return false, err
	}
	resp := x.Response()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		resp.SetHeader("Allow", "GET, HEAD", false)
		reject(ctx, x, c.name, http.StatusMethodNotAllowed, false, "tracking links take GET requests")
		return true, nil
	}
	l, ok := c.links[strings.TrimSuffix(name, "/")]
	if !ok {
		reject(ctx, x, c.name, http.StatusNotFound, false, "unknown link "+clipText(name))
		return true, nil
	}
	now := c.clock()
	id := links.NewClickID(now, c.rnd)
	params := clickParams(r)
	param := l.param
	if r.Method == http.MethodHead {
		// Link checkers and previews: show where the link goes, record nothing.
		id, param = "", ""
	}
	campaign := firstParam(params, c.campaign, l.campaign)
	affiliate := firstParam(params, c.affiliate, l.affiliate)
	dest, err := l.dest.Render(func(m string) string {
		switch m {
		case "click_id":
			return id
		case "link":
			return l.name
		case "campaign":
			return campaign
		case "affiliate":
			return affiliate
		}
		return params[m]
	}, param, id)
	if err != nil {
		reject(ctx, x, c.name, http.StatusBadRequest, false, "cannot build the destination: "+err.Error())
		return true, nil
	}
	if id == "" {
		resp.SetHeader("Location", dest, false)
		resp.SetHeader("Cache-Control", "no-store", false)
		resp.SetStatus(http.StatusFound)
		resp.Return()
		return true, nil
	}
	ident := c.identity.resolve(r, r.QueryValues(), now, c.rnd)
	click := clickstore.Click{
		ID: id, Link: l.name, Time: now.UTC(), Campaign: campaign, Affiliate: affiliate, Params: params,
		IP: r.RemoteIP, UserAgent: strings.ToValidUTF8(r.Header.Get("User-Agent"), "\uFFFD"),
		Referrer: strings.ToValidUTF8(r.Header.Get("Referer"), "\uFFFD"),
		FBCLID:   ident.FBCLID, GCLID: ident.GCLID, TTCLID: ident.TTCLID, Fbc: ident.Fbc, Fbp: ident.Fbp,
		Destination: dest, Expires: now.Add(c.retention).UTC(),
	}
	if click.FBCLID == "" {
		click.FBCLID = params["fbclid"]
	}
	if click.GCLID == "" {
		click.GCLID = params["gclid"]
	}
	if click.TTCLID == "" {
		click.TTCLID = params["ttclid"]
	}
	if err := c.store.PutClick(click); err != nil {
		// The visitor still gets to the shop; the conversion will report an unknown click.
		loggerFor(x).ErrorContext(ctx, "click not recorded", "request_id", x.ID, "client", c.name, "click_id", id, "error", err)
	}
	resp.AddHeader("Set-Cookie", c.cookie.header(c.cookieName, id, r.Host))
	addCookies(resp, ident.SetCookies)
	ev := clickEvent(click)
	ev["event_name"] = c.event
	// The redirect waits for the click event so that cookies and headers set by tags are
	// part of it; tags are bounded by their timeout.
	_, runErr := x.RunContainer(ctx, runtime.Event(ev), runtime.RunHooks{})
	resp.SetHeader("Location", dest, false)
	resp.SetHeader("Cache-Control", "no-store", false)
	resp.SetHeader("Referrer-Policy", "no-referrer-when-downgrade", false)
	resp.SetStatus(http.StatusFound)
	resp.Return()
	return true, runErr
}

// clickParams returns the click URL's query parameters (first value each), bounded.
func clickParams(r *runtime.Request) map[string]string {
	q := r.QueryValues()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		if len(out) == maxClickParams {
			break
		}
		if k == "" || len(k) > 128 || len(q[k]) == 0 {
			continue
		}
		v := q[k][0]
		if len(v) > maxClickValue {
			v = v[:maxClickValue]
		}
		out[strings.ToValidUTF8(k, "\uFFFD")] = strings.ToValidUTF8(v, "\uFFFD")
	}
	return out
}

func firstParam(params map[string]string, names []string, def string) string {
	for _, n := range names {
		if v := params[n]; v != "" {
			return v
		}
	}
	return def
}

// clickEvent is the event data a stored click contributes: to the click event itself and,
// as the attribution, to a later conversion.
func clickEvent(c clickstore.Click) map[string]any {
	ev := map[string]any{
		"click_id":   c.ID,
		"link_id":    c.Link,
		"click_time": c.Time.Unix(),
	}
	set := func(k, v string) {
		if v != "" {
			ev[k] = v
		}
	}
	set("campaign", c.Campaign)
	set("affiliate", c.Affiliate)
	set("page_location", c.Destination)
	set("page_referrer", c.Referrer)
	set("ip_override", c.IP)
	set("user_agent", c.UserAgent)
	set("fbclid", c.FBCLID)
	set("gclid", c.GCLID)
	set("ttclid", c.TTCLID)
	set("x-fb-ck-fbc", c.Fbc)
	set("x-fb-ck-fbp", c.Fbp)
	if len(c.Params) > 0 {
		p := make(map[string]any, len(c.Params))
		for k, v := range c.Params {
			p[k] = v
		}
		ev["click_params"] = p
	}
	return ev
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func clipText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
