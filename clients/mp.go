package clients

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"

	"github.com/tagd-dev/tagd/clients/mp"
	"github.com/tagd-dev/tagd/runtime"
)

func init() { Register("measurement_protocol", newMP) }

// Paths of the Measurement Protocol client (after server.path_prefix is removed).
const (
	MPCollectPath = "/mp/collect"
	MPDebugPath   = "/debug/mp/collect"
)

// MP is the GA4 Measurement Protocol client: POST /mp/collect?measurement_id=&api_secret=
// with a JSON body runs one event per events[] element; /debug/mp/collect validates the
// same input and answers with validation messages without running anything.
type MP struct {
	deps
	name        string
	secrets     []string
	requireAuth bool
	streams     map[string]bool // allowed measurement ids / firebase app ids; nil = any
	maxBody     int64
}

func newMP(name string, raw map[string]any) (runtime.Client, error) {
	s := newSettings(raw)
	c := &MP{name: name}
	c.secrets = s.strings("api_secrets", nil)
	c.requireAuth = s.boolean("require_api_secret", true)
	if ids := s.strings("measurement_ids", nil); len(ids) > 0 {
		c.streams = map[string]bool{}
		for _, id := range ids {
			c.streams[id] = true
		}
	}
	c.maxBody = s.integer("max_body_bytes", mp.MaxBodyBytes, 1, 1<<20)
	for _, sec := range c.secrets {
		if sec == "" {
			s.errorf("api_secrets", "an api secret must not be empty")
		}
	}
	if c.requireAuth && len(c.secrets) == 0 {
		s.errorf("api_secrets", "at least one api secret is required (or set require_api_secret = false)")
	}
	if err := s.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Handle implements runtime.Client.
func (c *MP) Handle(ctx context.Context, x *runtime.Exchange) (bool, error) {
	r := x.Request
	debug := r.Path == MPDebugPath || r.Path == MPDebugPath+"/"
	if !debug && r.Path != MPCollectPath && r.Path != MPCollectPath+"/" {
		return false, nil
	}
	if err := x.Claim(c.name); err != nil {
		return false, err
	}
	resp := x.Response()
	if r.Method != http.MethodPost {
		resp.SetHeader("Allow", "POST", false)
		reject(ctx, x, c.name, http.StatusMethodNotAllowed, false, "the Measurement Protocol takes POST requests")
		return true, nil
	}
	if int64(len(r.Body)) > c.maxBody {
		reject(ctx, x, c.name, http.StatusRequestEntityTooLarge, false, fmt.Sprintf("Measurement Protocol body of %d bytes exceeds the limit of %d", len(r.Body), c.maxBody))
		return true, nil
	}
	mid, _ := r.QueryParam("measurement_id")
	fid, _ := r.QueryParam("firebase_app_id")
	in := mp.Input{
		Body: r.Body, MeasurementID: mid, FirebaseAppID: fid,
		RemoteIP: r.RemoteIP, UserAgent: r.Header.Get("User-Agent"), Now: c.clock(),
	}
	if debug {
		// Like Google's validation server: nothing is run and api_secret is not checked.
		res, err := mp.Parse(in)
		if err != nil {
			loggerFor(x).WarnContext(ctx, "malformed Measurement Protocol request", "request_id", x.ID, "client", c.name, "error", err)
			writeJSON(resp, http.StatusBadRequest, map[string]any{"validationMessages": []mp.Message{{
				FieldPath: fieldOf(err), Description: err.Error(), ValidationCode: mp.ValueInvalid,
			}}})
			resp.Return()
			return true, nil
		}
		writeJSON(resp, http.StatusOK, map[string]any{"validationMessages": res.Messages})
		resp.Return()
		return true, nil
	}
	if !c.authorised(r) {
		reject(ctx, x, c.name, http.StatusForbidden, false, "missing or wrong api_secret")
		return true, nil
	}
	if c.streams != nil && !c.streams[mid] && !c.streams[fid] {
		reject(ctx, x, c.name, http.StatusForbidden, false, fmt.Sprintf("measurement_id %q is not accepted by this server", mid+fid))
		return true, nil
	}
	res, err := mp.Parse(in)
	if err != nil {
		reject(ctx, x, c.name, http.StatusBadRequest, false, "malformed Measurement Protocol request: "+err.Error())
		return true, nil
	}
	if len(res.Messages) > 0 {
		// Google drops such data silently; we log it so the sender can be fixed.
		first := res.Messages[0]
		loggerFor(x).WarnContext(ctx, "Measurement Protocol request has validation problems", "request_id", x.ID, "client", c.name,
			"messages", len(res.Messages), "dropped_events", res.Dropped, "first_field", first.FieldPath, "first_problem", first.Description)
	}
	var runErr error
	if len(res.Events) > 0 {
		runErr = runAll(ctx, x, res.Events)
	}
	// Google answers 204 whenever the request was received, even for dropped events.
	resp.SetStatus(http.StatusNoContent)
	resp.Return()
	return true, runErr
}

func (c *MP) authorised(r *runtime.Request) bool {
	if !c.requireAuth {
		return true
	}
	got, _ := r.QueryParam("api_secret")
	if got == "" {
		return false
	}
	ok := 0
	for _, s := range c.secrets {
		ok |= subtle.ConstantTimeCompare([]byte(got), []byte(s))
	}
	return ok == 1
}

// fieldOf names the field a parse error is about ("" for the body as a whole).
func fieldOf(err error) string {
	if errors.Is(err, mp.ErrNoStream) {
		return "measurement_id"
	}
	return ""
}
