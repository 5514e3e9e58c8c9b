package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/cloud"
	"github.com/tagd-dev/tagd/sandbox"
)

// getGoogleAuth and the plumbing shared by the Google-service APIs (Firestore, BigQuery,
// getGoogleScript, sendEventToGoogleAnalytics): promise settlement off the runtime
// goroutine, rejection reasons, and the permission wildcards.

func init() {
	sandbox.RegisterPermission("use_google_credentials", newGoogleCredentials)
	register("getGoogleAuth", "use_google_credentials", getGoogleAuth)
}

// newGoogleCredentials compiles use_google_credentials: every requested scope must be
// listed in allowedScopes.
func newGoogleCredentials(p map[string]any) (sandbox.Checker, error) {
	allowed := map[string]bool{}
	list := sandbox.ParamStrings(p, "allowedScopes", "scope")
	for _, s := range list {
		allowed[strings.TrimSpace(s)] = true
	}
	return func(args ...any) error {
		if len(args) == 0 {
			return errors.New("no scopes requested")
		}
		scopes := gcStrings(args[0])
		if len(scopes) == 0 {
			return errors.New("no scopes requested")
		}
		for _, s := range scopes {
			if !allowed[s] {
				return fmt.Errorf("scope %q is not among the allowed scopes %v", s, list)
			}
		}
		return nil
	}, nil
}

// gcAuthKey is the execution-local registry of getGoogleAuth results (see
// googleAuthorization).
const gcAuthKey = "googleauth.handles"

// gcAuthHandleProp carries the handle on the object getGoogleAuth returns.
const gcAuthHandleProp = "tagdAuthHandle"

// getGoogleAuth returns a frozen, opaque-looking object for sendHttpRequest's
// options.authorization. It carries:
//   - tagdAuthHandle: an unforgeable per-execution handle, for googleAuthorization.
func getGoogleAuth(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	rt := vu.Runtime()
	opts, _ := sandbox.FromJS(c.Argument(0)).(map[string]any)
	scopes := gcStrings(opts["scopes"])
	if len(scopes) == 0 {
		vu.Throwf("getGoogleAuth: the argument must be {scopes: [...]} with at least one OAuth scope")
	}
	vu.MustCheck("getGoogleAuth", "use_google_credentials", gcAnyList(scopes))

	obj := rt.NewObject()
	_ = obj.Set("scopes", vu.ToJS(gcAnyList(scopes)))
	if ex := vu.Exec(); ex != nil {
		handle := gcRandomID()
		if ex.Locals == nil {
			ex.Locals = map[string]any{}
		}
		handles, _ := ex.Locals[gcAuthKey].(map[string][]string)
		if handles == nil {
			handles = map[string][]string{}
			ex.Locals[gcAuthKey] = handles
		}
		handles[handle] = scopes
		_ = obj.Set(gcAuthHandleProp, handle)
	}
	// The token itself never enters the sandbox: sendHttpRequest exchanges the handle for
	// a token off the runtime goroutine (googleAuthorization).
	if cloud.Default().Auth == nil {
		vu.Logger().Warn("getGoogleAuth: no Google credentials configured (GOOGLE_APPLICATION_CREDENTIALS); requests will carry no token")
	}
	return freeze(vu, obj)
}

// googleAuthorization is the hook for sendHttpRequest: given options.authorization (as
// plain data) on the runtime goroutine, it returns a function that yields the bearer token
// off the runtime goroutine, or nil if the value did not come from getGoogleAuth in this
// execution. Using it lets getGoogleAuth stop exposing the token to template code and
// stop blocking the runtime during a token exchange.
func googleAuthorization(ex *sandbox.Execution, auth map[string]any) func(ctx context.Context) (string, error) {
	handle, _ := auth[gcAuthHandleProp].(string)
	if ex == nil || handle == "" {
		return nil
	}
	handles, _ := ex.Locals[gcAuthKey].(map[string][]string)
	scopes, ok := handles[handle]
	if !ok {
		return nil
	}
	b := cloud.Default()
	return func(ctx context.Context) (string, error) {
		if b.Auth == nil {
			return "", errors.New("no Google credentials configured (GOOGLE_APPLICATION_CREDENTIALS)")
		}
		tok, err := b.Auth.Token(ctx, scopes)
		if err != nil {
			return "", err
		}
		return tok.AccessToken, nil
	}
}

func gcRandomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// gcStrings reads a string or a list of strings.
func gcStrings(v any) []string {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	case []string:
		return t
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func gcAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// gcGlob matches s against a permission pattern in which '*' stands for any run of
// characters, '/' included (so "*" allows every path and "users/*" every path below
// users).
func gcGlob(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case px < len(pattern) && pattern[px] == s[sx]:
			px++
			sx++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// gcProjectMatches applies a permission entry's projectId: "*" wildcards, and
// GOOGLE_CLOUD_PROJECT standing for the default project.
func gcProjectMatches(entry, project string) bool {
	def := cloud.Default().Project
	if project == "" {
		project = def
	}
	if entry == "GOOGLE_CLOUD_PROJECT" {
		return project == def
	}
	return gcGlob(entry, project)
}

// gcOpMatches applies an entry's operation (read, write, read_write).
func gcOpMatches(entry, op string) bool {
	return entry == op || entry == "read_write"
}

// gcReason maps a backend error to the {reason, message} a promise rejects with.
func gcReason(err error) map[string]any {
	reason := "failed"
	var ae *cloud.APIError
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		reason = "not_found"
	case errors.Is(err, cloud.ErrConflict):
		reason = "aborted"
	case errors.Is(err, cloud.ErrBadPath), errors.Is(err, cloud.ErrBadQuery), errors.Is(err, cloud.ErrTooLarge):
		reason = "invalid_argument"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, runtime.ErrOutboundTimedOut):
		reason = "timed_out"
	case errors.As(err, &ae) && ae.Status != "":
		reason = strings.ToLower(ae.Status)
	}
	return map[string]any{"reason": reason, "message": err.Error()}
}

// gcOutbound counts one call to a backend or Google endpoint against the execution's
// outbound limit; false when the limit is reached.
func gcOutbound(vu *sandbox.VU, api string) bool {
	ex := vu.Exec()
	if ex == nil {
		return true
	}
	ex.CountOutbound()
	if ex.OutboundCount() > vu.Limits().MaxOutboundRequests {
		vu.Logger().Warn("outbound request limit reached", "api", api, "name", ex.Name, "limit", vu.Limits().MaxOutboundRequests)
		return false
	}
	return true
}

var errOutboundLimit = fmt.Errorf("%w: outbound request limit reached", runtime.ErrOutboundFailed)

// gcAsync runs work off the runtime goroutine (with the HTTP timeout as deadline) and
// settles the returned promise on the event loop: resolve with the value as plain JS data,
// or reject with reject(err). done, if set, runs on the loop before settling with the
// work's result (caches).
func gcAsync(vu *sandbox.VU, api string, work func(ctx context.Context) (any, error), reject func(error) any, done func(any, error)) goja.Value {
	rt := vu.Runtime()
	p, res, rej := rt.NewPromise()
	enqueue := vu.Register()
	settle := func(v any, err error) {
		vu.RunTask(func() error {
			if done != nil {
				done(v, err)
			}
			if err != nil {
				return rej(vu.ToJS(reject(err)))
			}
			return res(vu.ToJS(v))
		})
	}
	if !gcOutbound(vu, api) {
		enqueue(func() { settle(nil, errOutboundLimit) })
		return rt.ToValue(p)
	}
	ctx, cancel := context.WithTimeout(vu.Context(), vu.Limits().HTTPTimeout)
	go func() {
		defer cancel()
		v, err := work(ctx)
		enqueue(func() { settle(v, err) })
	}()
	return rt.ToValue(p)
}

// gcRejected returns a promise already rejected with reason.
func gcRejected(vu *sandbox.VU, reason any) goja.Value {
	p, _, rej := vu.Runtime().NewPromise()
	_ = rej(vu.ToJS(reason))
	return vu.Runtime().ToValue(p)
}

// gcResolved returns a promise already resolved with v (cache hits).
func gcResolved(vu *sandbox.VU, v any) goja.Value {
	p, res, _ := vu.Runtime().NewPromise()
	_ = res(vu.ToJS(v))
	return vu.Runtime().ToValue(p)
}
