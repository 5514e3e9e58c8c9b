package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/cloud"
	"github.com/tagd-dev/tagd/sandbox"
)

// clTokenServer hands out tok-1, tok-2, ...
func clTokenServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("assertion") == "" {
			w.WriteHeader(400)
			return
		}
		fmt.Fprintf(w, `{"access_token":"tok-%d","expires_in":3600,"token_type":"Bearer"}`, n.Add(1))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

var clSheetsScope = clPerm("use_google_credentials", map[string]any{"allowedScopes": []any{
	"https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/cloud-platform",
}})

func TestGetGoogleAuth(t *testing.T) {
	b := clBackends(t, "proj")
	tokSrv, calls := clTokenServer(t)
	sa, _ := clServiceAccount(t, tokSrv.URL)
	b.Auth = cloud.NewTokenProvider(sa, "", tokSrv.Client())

	got := clValue(t, nil, `const auth = require('getGoogleAuth')({scopes: ['https://www.googleapis.com/auth/spreadsheets']});
		const again = require('getGoogleAuth')({scopes: ['https://www.googleapis.com/auth/spreadsheets']});
		let frozen = false;
		try { auth.token = 'stolen'; } catch (e) { frozen = true; }
		return [auth.token, again.token, auth.scopes, frozen, typeof auth.tagdAuthHandle];`, clSheetsScope)
	// The token never enters the sandbox: sendHttpRequest exchanges the handle later.
	want := []any{nil, nil, []any{"https://www.googleapis.com/auth/spreadsheets"}, true, "string"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("auth object (-want +got):\n%s", diff)
	}
	if calls.Load() != 0 {
		t.Fatalf("%d token exchanges, want none before a request uses the credentials", calls.Load())
	}

	// Denied: a scope that is not listed, or no permission at all.
	clErr(t, nil, `require('getGoogleAuth')({scopes: ['https://www.googleapis.com/auth/spreadsheets', 'https://www.googleapis.com/auth/gmail.send']})`,
		[]string{`Permission denied: getGoogleAuth requires permission "use_google_credentials"`, `"https://www.googleapis.com/auth/gmail.send" is not among the allowed scopes`}, clSheetsScope)
	clErr(t, nil, `require('getGoogleAuth')({scopes: ['https://www.googleapis.com/auth/spreadsheets']})`, []string{"which the template does not declare"})
	clErr(t, nil, `require('getGoogleAuth')({})`, []string{"at least one OAuth scope"}, clSheetsScope)

	// No credentials: an object without a token, not an exception.
	b.Auth = nil
	got = clValue(t, nil, `const a = require('getGoogleAuth')({scopes: 'https://www.googleapis.com/auth/cloud-platform'}); return [a.token === undefined, a.scopes];`, clSheetsScope)
	if diff := cmp.Diff([]any{true, []any{"https://www.googleapis.com/auth/cloud-platform"}}, got); diff != "" {
		t.Fatalf("without credentials (-want +got):\n%s", diff)
	}
}

// TestGetGoogleAuthWithSendHttpRequest is the end-to-end path templates use: the auth
// object as sendHttpRequest's options.authorization.
func TestGetGoogleAuthWithSendHttpRequest(t *testing.T) {
	b := clBackends(t, "proj")
	tokSrv, _ := clTokenServer(t)
	sa, _ := clServiceAccount(t, tokSrv.URL)
	b.Auth = cloud.NewTokenProvider(sa, "", tokSrv.Client())
	var gotAuth atomic.Value
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer api.Close()
	d, err := runtime.NewHTTPDispatcher("", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	env := &runtime.Env{HTTP: d}
	got := clValue(t, env, `const auth = require('getGoogleAuth')({scopes: ['https://www.googleapis.com/auth/cloud-platform']});
		return require('sendHttpRequest')('`+api.URL+`/v4/sheets', {method: 'POST', authorization: auth}, '{}').then(r => r.statusCode);`,
		clSheetsScope, clPerm("send_http", map[string]any{"allowedUrls": "any"}))
	if got != int64(200) || gotAuth.Load() != "Bearer tok-1" {
		t.Fatalf("status %v, Authorization %q", got, gotAuth.Load())
	}
}

// TestGoogleAuthorizationHook covers the handle-based hook offered to sendHttpRequest.
func TestGoogleAuthorizationHook(t *testing.T) {
	b := clBackends(t, "proj")
	tokSrv, _ := clTokenServer(t)
	sa, _ := clServiceAccount(t, tokSrv.URL)
	b.Auth = cloud.NewTokenProvider(sa, "", tokSrv.Client())
	ex := &sandbox.Execution{Locals: map[string]any{gcAuthKey: map[string][]string{"h1": {"https://www.googleapis.com/auth/cloud-platform"}}}}
	get := googleAuthorization(ex, map[string]any{gcAuthHandleProp: "h1", "scopes": []any{"ignored"}})
	if get == nil {
		t.Fatal("registered handle not recognised")
	}
	tok, err := get(context.Background())
	if err != nil || tok != "tok-1" {
		t.Fatalf("token %q, %v", tok, err)
	}
	for _, auth := range []map[string]any{
		{gcAuthHandleProp: "forged", "scopes": []any{"https://www.googleapis.com/auth/cloud-platform"}},
		{"scopes": []any{"https://www.googleapis.com/auth/cloud-platform"}},
		{"token": "abc"},
	} {
		if googleAuthorization(ex, auth) != nil {
			t.Errorf("googleAuthorization(%v) accepted", auth)
		}
	}
	if googleAuthorization(nil, map[string]any{gcAuthHandleProp: "h1"}) != nil {
		t.Error("nil execution accepted")
	}
	b.Auth = nil
	if _, err := googleAuthorization(ex, map[string]any{gcAuthHandleProp: "h1"})(context.Background()); err == nil {
		t.Error("no credentials: no error")
	}
}

func TestGoogleCredentialsChecker(t *testing.T) {
	check, err := newGoogleCredentials(map[string]any{"allowedScopes": []any{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []any
		ok   bool
	}{
		{[]any{[]any{"a"}}, true},
		{[]any{[]any{"a", "b"}}, true},
		{[]any{"b"}, true},
		{[]any{[]any{"a", "c"}}, false},
		{[]any{[]any{}}, false},
		{nil, false},
	} {
		if err := check(tc.args...); (err == nil) != tc.ok {
			t.Errorf("check(%v) = %v, want ok=%v", tc.args, err, tc.ok)
		}
	}
}
