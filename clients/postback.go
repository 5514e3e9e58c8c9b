package clients

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tagd-dev/tagd/clients/links"
	"github.com/tagd-dev/tagd/clients/postback"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/clickstore"
)

func init() { Register("postback", newPostback) }

// Defaults of the postback client.
const (
	DefaultPostbackPath  = "/postback"
	DefaultPostbackEvent = "conversion"
	maxPostbackBody      = 64 << 10
)

// Postback takes conversion postbacks: the advertiser's or network's server reports a
// conversion for a click ID. The stored click is looked up and its attribution attached,
// a conversion event runs through the container, and repeats (same click, event and
// transaction ID) are answered as duplicates without running anything.
type Postback struct {
	deps
	name          string
	paths         map[string]bool
	event         string
	dedupTTL      time.Duration
	unknownStatus int
	currency      string
	secret        string
	linkSecrets   map[string]string
	names         postback.Names
	store         *clickstore.Store
}

func newPostback(name string, raw map[string]any) (runtime.Client, error) {
	s := newSettings(raw)
	c := &Postback{name: name, paths: map[string]bool{}, linkSecrets: map[string]string{}}
	for _, p := range s.strings("paths", []string{DefaultPostbackPath}) {
		if !strings.HasPrefix(p, "/") {
			s.errorf("paths", "path %q must start with /", p)
			continue
		}
		c.paths[strings.TrimSuffix(p, "/")] = true
	}
	c.event = s.str("event_name", DefaultPostbackEvent)
	c.dedupTTL = s.duration("dedup_ttl", 30*24*time.Hour, 48*time.Hour, 10*365*24*time.Hour)
	c.unknownStatus = int(s.integer("unknown_click_status", http.StatusNotFound, 200, 499))
	c.currency = strings.ToUpper(s.str("default_currency", ""))
	c.secret = s.str("secret", "")
	if lt := s.table("link_secrets"); lt != nil {
		for _, k := range sortedKeys(lt.m) {
			if v := lt.str(k, ""); v != "" {
				c.linkSecrets[k] = v
			} else {
				lt.errorf(k, "a secret must not be empty")
			}
		}
		s.adopt(lt)
	}
	c.names = postback.DefaultNames()
	if pt := s.table("params"); pt != nil {
		c.names.ClickID = pt.strings("click_id", c.names.ClickID)
		c.names.Payout = pt.strings("payout", c.names.Payout)
		c.names.Currency = pt.strings("currency", c.names.Currency)
		c.names.TransactionID = pt.strings("transaction_id", c.names.TransactionID)
		c.names.Status = pt.strings("status", c.names.Status)
		c.names.DeviceType = pt.strings("device_type", c.names.DeviceType)
		c.names.Event = pt.strings("event", c.names.Event)
		c.names.Signature = pt.str("signature", c.names.Signature)
		s.adopt(pt)
	}
	if len(c.names.ClickID) == 0 {
		s.errorf("params.click_id", "at least one click id parameter name is required")
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
func (c *Postback) Close() error { return c.store.Close() }

// Handle implements runtime.Client.
func (c *Postback) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	r := x.Request
	p := strings.TrimSuffix(r.Path, "/")
	if !c.paths[p] {
		return false, nil
	}
	if err := x.Claim(c.name); err != nil {
		return false, err
	}
	resp := x.Response()
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		resp.SetHeader("Allow", "GET, POST", false)
		reject(ctx, x, c.name, http.StatusMethodNotAllowed, true, "postbacks take GET or POST requests")
		return true, nil
	}
	if len(r.Body) > maxPostbackBody {
		reject(ctx, x, c.name, http.StatusRequestEntityTooLarge, true, fmt.Sprintf("postback body of %d bytes exceeds the limit of %d", len(r.Body), maxPostbackBody))
		return true, nil
	}
	pb, err := postback.Parse(postback.Input{
		RawQuery: r.RawQuery, ContentType: r.Header.Get("Content-Type"), Body: r.Body,
		SignatureHeader: r.Header.Get("X-Signature"),
	}, c.names)
	if err != nil {
		reject(ctx, x, c.name, http.StatusBadRequest, true, "malformed postback: "+err.Error())
		return true, nil
	}
	if pb.ClickID == "" {
		reject(ctx, x, c.name, http.StatusBadRequest, true, "missing click id (parameter "+strings.Join(c.names.ClickID, ", ")+")")
		return true, nil
	}
	if err := links.CheckClickID(pb.ClickID); err != nil {
		reject(ctx, x, c.name, http.StatusBadRequest, true, "malformed click id: "+err.Error())
		return true, nil
	}
	now := c.clock()
	log := loggerFor(x).With("request_id", x.ID, "client", c.name, "click_id", pb.ClickID, "transaction_id", pb.TransactionID)
	click, found, err := c.store.Click(pb.ClickID, now)
	if err != nil {
		// Our store failed, not the sender: ask it to retry.
		log.ErrorContext(ctx, "click store lookup failed", "error", err)
		writeJSON(resp, http.StatusServiceUnavailable, map[string]any{"status": "error", "error": "click store unavailable, retry later"})
		resp.SetHeader("Retry-After", "60", false)
		resp.Return()
		return true, nil
	}
	answer := map[string]any{"click_id": pb.ClickID}
	if pb.TransactionID != "" {
		answer["transaction_id"] = pb.TransactionID
	}
	if !found {
		log.WarnContext(ctx, "postback for an unknown click")
		answer["status"] = "unknown_click"
		writeJSON(resp, c.unknownStatus, answer)
		resp.Return()
		return true, nil
	}
	secret := c.secret
	if s, ok := c.linkSecrets[click.Link]; ok {
		secret = s
	}
	if secret != "" && !postback.Verify(secret, pb) {
		reject(ctx, x, c.name, http.StatusForbidden, true, "missing or wrong signature")
		return true, nil
	}
	key := clickstore.ConversionKey{ClickID: pb.ClickID, Event: pb.Event, TransactionID: pb.TransactionID}
	dup, err := c.store.RecordConversion(key, now, c.dedupTTL)
	if err != nil {
		log.ErrorContext(ctx, "recording the conversion failed", "error", err)
		writeJSON(resp, http.StatusServiceUnavailable, map[string]any{"status": "error", "error": "click store unavailable, retry later"})
		resp.SetHeader("Retry-After", "60", false)
		resp.Return()
		return true, nil
	}
	if dup {
		log.InfoContext(ctx, "duplicate postback ignored")
		answer["status"] = "duplicate"
		writeJSON(resp, http.StatusOK, answer)
		resp.Return()
		return true, nil
	}
	ev := c.conversionEvent(click, pb, r)
	_, runErr := x.RunContainer(ctx, runtime.Event(ev), runtime.RunHooks{})
	answer["status"] = "accepted"
	answer["event"] = c.event
	writeJSON(resp, http.StatusOK, answer)
	resp.Return()
	return true, runErr
}

// conversionEvent combines the postback with the stored click: the click's attribution
// (link, campaign, affiliate, click time, ad click ids, and the visitor's IP and user
// agent, which ad platforms match on) plus the conversion's own fields.
func (c *Postback) conversionEvent(click clickstore.Click, pb *postback.Postback, r *runtime.Request) map[string]any {
	ev := clickEvent(click)
	ev["event_name"] = c.event
	set := func(k, v string) {
		if v != "" {
			ev[k] = v
		}
	}
	set("transaction_id", pb.TransactionID)
	set("status", pb.Status)
	set("device_type", pb.DeviceType)
	set("conversion_event", pb.Event)
	if pb.HasPayout {
		ev["value"] = pb.Payout
		ev["payout"] = pb.PayoutText // echoed unchanged by postback macros
	}
	if pb.Currency != "" {
		ev["currency"] = pb.Currency
	} else if c.currency != "" {
		ev["currency"] = c.currency
	}
	params := make(map[string]any, len(pb.Params))
	for k, v := range pb.Params {
		params[k] = v
	}
	ev["postback_params"] = params
	if r.RemoteIP != "" {
		ev["postback_ip"] = r.RemoteIP
	}
	return ev
}
