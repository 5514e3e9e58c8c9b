package tags_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	_ "github.com/tagd-dev/tagd/sandbox/api"
	"github.com/tagd-dev/tagd/tags"
	"github.com/tagd-dev/tagd/templates"
)

// Golden cases live in testdata/<template>/<case>.in.json (parameters, event, request
// cookies, responses to give) and <case>.want.json (the tag's outcome and the exact
// requests, or a variable's value). Every SHA-256 value in a want file must be listed in
// testdata/hashes.txt, which was made with coreutils sha256sum from hand-normalised values
// (testdata/HASHES.md), so no expected hash comes from the code under test.

type goldenIn struct {
	Params    map[string]any   `json:"params"`
	Event     map[string]any   `json:"event"`
	Cookies   string           `json:"cookies"`
	Responses []goldenResponse `json:"responses"`
}

type goldenResponse struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
}

type goldenWant struct {
	Status   string          `json:"status"`
	Requests []goldenRequest `json:"requests"`
	Value    any             `json:"value"`
}

type goldenRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	JSON    any               `json:"json,omitempty"`
	Body    *string           `json:"body,omitempty"`
}

// destinations are the built-in tags that send to a vendor; each needs golden cases.
var destinations = []string{
	"meta-capi", "ga4", "tiktok-events", "google-ads", "snapchat-capi", "pinterest-capi",
	"affiliate-postback", "http-request",
}

// scripted answers requests in order with the configured responses (default 200 "{}").
type scripted struct {
	mu        sync.Mutex
	responses []goldenResponse
	reqs      []*runtime.OutboundRequest
}

func (s *scripted) Do(_ context.Context, req *runtime.OutboundRequest) (*runtime.OutboundResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	resp := goldenResponse{Status: 200, Body: "{}"}
	if n := len(s.reqs); n < len(s.responses) {
		resp = s.responses[n]
	}
	s.reqs = append(s.reqs, req)
	return &runtime.OutboundResponse{StatusCode: resp.Status, Header: http.Header{}, Body: []byte(resp.Body)}, nil
}

func TestDestinationGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/*/*.in.json")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	covered := map[string]bool{}
	for _, in := range cases {
		name := filepath.Base(filepath.Dir(in))
		covered[name] = true
		caseName := strings.TrimSuffix(filepath.Base(in), ".in.json")
		t.Run(name+"/"+caseName, func(t *testing.T) {
			runGolden(t, name, in, strings.TrimSuffix(in, ".in.json")+".want.json")
		})
	}
	for _, d := range destinations {
		if !covered[d] {
			t.Errorf("destination %s has no golden case under testdata/%s/", d, d)
		}
	}
}

func runGolden(t *testing.T, template, inPath, wantPath string) {
	var in goldenIn
	var want goldenWant
	readStrict(t, inPath, &in)
	readStrict(t, wantPath, &want)

	tp, err := tags.Builtin(template)
	if err != nil {
		t.Fatal(err)
	}
	if msgs := tp.CheckParams(in.Params); len(msgs) > 0 {
		t.Fatalf("params rejected: %v", msgs)
	}
	p, err := sandbox.Compile(tp)
	if err != nil {
		t.Fatal(err)
	}
	rec := &scripted{responses: in.Responses}
	var logs []string
	env := &runtime.Env{
		HTTP:    rec,
		Storage: runtime.NewTemplateStorage(0),
		Console: func(_ context.Context, line runtime.ConsoleLine) {
			b, _ := json.Marshal(line.Fields)
			logs = append(logs, line.Message+string(b))
		},
	}
	c := &runtime.Container{Env: env}
	header := http.Header{}
	if in.Cookies != "" {
		header.Set("Cookie", in.Cookies)
	}
	x := runtime.NewExchange(&runtime.Request{Method: "POST", Path: "/g/collect", Header: header}, c)
	data := tp.Defaults()
	for k, v := range in.Params {
		data[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := sandbox.NewPool(sandbox.Limits{}).Run(ctx, &sandbox.Execution{
		Program: p, Name: template, Data: data, X: x, Env: env,
		EC: runtime.NewEventContext(x, c, runtime.Event(in.Event)),
	})

	if tp.Info.Type == templates.KindMacro {
		if res.Err != nil {
			t.Fatalf("variable failed: %v", res.Err)
		}
		if diff := cmp.Diff(want.Value, normalise(t, res.Value)); diff != "" {
			t.Errorf("value differs from %s (-want +got):\n%s", wantPath, diff)
		}
		return
	}
	if string(res.Status) != want.Status {
		t.Errorf("tag status %s (%v), want %s; console: %v", res.Status, res.Err, want.Status, logs)
	}
	if len(rec.reqs) != len(want.Requests) {
		t.Fatalf("%d requests sent, want %d; console: %v", len(rec.reqs), len(want.Requests), logs)
	}
	for i, w := range want.Requests {
		compareRequest(t, i, rec.reqs[i], w)
	}
}

func compareRequest(t *testing.T, i int, got *runtime.OutboundRequest, want goldenRequest) {
	t.Helper()
	if got.Method != want.Method || got.URL != want.URL {
		t.Errorf("request %d: %s %s\nwant %s %s", i, got.Method, got.URL, want.Method, want.URL)
	}
	headers := map[string]string{}
	for k, v := range got.Header {
		headers[k] = strings.Join(v, ", ")
	}
	if want.Headers == nil {
		want.Headers = map[string]string{}
	}
	if diff := cmp.Diff(want.Headers, headers); diff != "" {
		t.Errorf("request %d headers (-want +got):\n%s", i, diff)
	}
	switch {
	case want.JSON != nil:
		var body any
		if err := json.Unmarshal(got.Body, &body); err != nil {
			t.Fatalf("request %d body is not JSON: %v: %s", i, err, got.Body)
		}
		if diff := cmp.Diff(want.JSON, body); diff != "" {
			t.Errorf("request %d body (-want +got):\n%s", i, diff)
		}
	case want.Body != nil:
		if string(got.Body) != *want.Body {
			t.Errorf("request %d body:\n%s\nwant:\n%s", i, got.Body, *want.Body)
		}
	case len(got.Body) > 0:
		t.Errorf("request %d has a body, want none: %s", i, got.Body)
	}
}

// normalise round-trips a variable's value through JSON so it compares like the want file.
func normalise(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func readStrict(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

var hexHash = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// TestGoldenHashesAreIndependent checks testdata/hashes.txt (sha256sum output over the
// normalised values) and that every hash the goldens expect is one of them.
func TestGoldenHashesAreIndependent(t *testing.T) {
	f, err := os.Open("testdata/hashes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		sum, value, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("testdata/hashes.txt:%d: want '<sha256>  <value>'", line)
		}
		got := sha256.Sum256([]byte(value))
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("testdata/hashes.txt:%d: %q does not hash to %s", line, value, sum)
		}
		known[sum] = true
	}
	files, _ := filepath.Glob("testdata/*/*.want.json")
	old, _ := filepath.Glob("testdata/meta-capi/*.request.json")
	files = append(files, old...)
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hexHash.FindAllString(string(b), -1) {
			if !known[h] {
				t.Errorf("%s: hash %s is not in testdata/hashes.txt (compute it with sha256sum and add it)", path, h)
			}
		}
	}
}

// sharedHelpers are the JavaScript helpers several built-in templates carry; a helper must
// read the same in every template that has it, so a fix cannot reach only some of them.
var sharedHelpers = []string{
	"consentState", "consentPolicy", "hashValues", "firstValues", "phoneDigits", "phoneE164",
	"googleEmail", "normaliseUserField", "firstCookie", "eventTime", "queryParam", "valuesAt",
	"flatten", "hasKey", "isSha256Hex", "keepOnly", "removeAll", "text", "numberOr",
	"integerOr", "flag", "setIf", "oneOrMany", "mappedName", "listOf",
	// Arrow helpers of the customer-data paths.
	"usStates", "objectsIn", "stepDown",
}

func TestSharedHelpersIdentical(t *testing.T) {
	first := map[string]string{}
	firstIn := map[string]string{}
	for _, name := range tags.BuiltinNames() {
		tp, err := tags.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, helper := range sharedHelpers {
			body, ok := jsFunction(tp.Code, helper)
			if !ok {
				continue
			}
			if prev, seen := first[helper]; !seen {
				first[helper], firstIn[helper] = body, name
			} else if prev != body {
				t.Errorf("helper %s differs between %s and %s", helper, firstIn[helper], name)
			}
		}
	}
	if len(first) < len(sharedHelpers)/2 {
		t.Errorf("found only %d shared helpers; is the extraction broken?", len(first))
	}
}

// jsFunction returns the text of a helper, a function declaration or a const bound to an
// arrow function, from its header line to its closing brace, with its own indentation
// removed: a template may nest a helper inside the one function that uses it, so that
// other runs do not create it.
func jsFunction(code, name string) (string, bool) {
	m := regexp.MustCompile(`\n( *)(?:function ` + regexp.QuoteMeta(name) + `\(|const ` + regexp.QuoteMeta(name) + ` = \([^)\n]*\) =>)`).FindStringSubmatchIndex(code)
	if m == nil {
		return "", false
	}
	indent := code[m[2]:m[3]]
	start := m[0]
	end := regexp.MustCompile(`\n` + indent + `\}\)?;?\n`).FindStringIndex(code[start:])
	stop := len(code)
	if end != nil {
		stop = start + end[1] - 1
	}
	lines := strings.Split(code[start:stop], "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, indent)
	}
	return strings.Join(lines, "\n"), true
}

// TestLeastPrivilege pins each built-in's permissions: vendor tags may only reach their
// vendor's hosts, variables get narrow event-data access where the template allows it.
func TestLeastPrivilege(t *testing.T) {
	want := map[string]struct {
		ids  []string
		urls []string // send_http patterns; nil means allowedUrls "any" or no send_http
	}{
		"logger":             {ids: []string{"logging", "read_event_data"}},
		"http-request":       {ids: []string{"logging", "read_event_data", "send_http"}},
		"affiliate-postback": {ids: []string{"access_template_storage", "logging", "read_event_data", "send_http"}},
		"meta-capi":          {ids: []string{"get_cookies", "logging", "read_event_data", "send_http"}, urls: []string{"https://graph.facebook.com/"}},
		"tiktok-events":      {ids: []string{"get_cookies", "logging", "read_event_data", "send_http"}, urls: []string{"https://business-api.tiktok.com/open_api/v1.3/event/track/"}},
		"snapchat-capi":      {ids: []string{"get_cookies", "logging", "read_event_data", "send_http"}, urls: []string{"https://tr.snapchat.com/v3/*"}},
		"pinterest-capi":     {ids: []string{"get_cookies", "logging", "read_event_data", "send_http"}, urls: []string{"https://api.pinterest.com/v5/ad_accounts/*"}},
		"google-ads": {ids: []string{"access_template_storage", "get_cookies", "logging", "read_event_data", "send_http"},
			urls: []string{"https://googleads.googleapis.com/*", "https://oauth2.googleapis.com/token"}},
		"ga4": {ids: []string{"logging", "read_event_data", "send_http"}, urls: []string{
			"https://www.google-analytics.com/g/collect?*", "https://region1.google-analytics.com/g/collect?*",
			"https://www.google-analytics.com/mp/collect?*", "https://region1.google-analytics.com/mp/collect?*",
			"https://www.google-analytics.com/debug/mp/collect?*", "https://region1.google-analytics.com/debug/mp/collect?*"}},
		"event-id":         {ids: []string{"read_event_data"}},
		"hashed-user-data": {ids: []string{"read_event_data"}},
		"cookie-value":     {ids: []string{"get_cookies"}},
		"user-agent":       {ids: []string{"read_event_data", "read_request"}},
		"consent-state":    {ids: []string{"read_event_data"}},
	}
	names := tags.BuiltinNames()
	if len(names) != len(want) {
		t.Errorf("built-ins %v, the table lists %d", names, len(want))
	}
	for _, name := range names {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: not in the least-privilege table", name)
			continue
		}
		tp, err := tags.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		var urls []string
		for _, p := range tp.Permissions {
			ids = append(ids, p.ID)
			if p.ID == "send_http" && p.Params["allowedUrls"] == "specific" {
				for _, u := range p.Params["urls"].([]any) {
					urls = append(urls, u.(string))
				}
			}
		}
		sort.Strings(ids)
		if diff := cmp.Diff(w.ids, ids); diff != "" {
			t.Errorf("%s permissions (-want +got):\n%s", name, diff)
		}
		if diff := cmp.Diff(w.urls, urls); diff != "" {
			t.Errorf("%s send_http URLs (-want +got):\n%s", name, diff)
		}
	}
}

// TestParametersDocumented: every field of every built-in has help text, and every
// template carries ___TESTS___ scenarios.
func TestParametersDocumented(t *testing.T) {
	for _, name := range tags.BuiltinNames() {
		tp, err := tags.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tp.Fields() {
			if strings.TrimSpace(p.Help) == "" {
				t.Errorf("%s: parameter %q has no help text", name, p.Name)
			}
		}
		if tp.Tests == nil || len(tp.Tests.Scenarios) < 3 {
			t.Errorf("%s: fewer than 3 ___TESTS___ scenarios", name)
		}
		if tp.Info.Description == "" {
			t.Errorf("%s: no description", name)
		}
	}
}

func TestResolveOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, tags.OverrideDir), 0o755); err != nil {
		t.Fatal(err)
	}
	src, ok := tags.BuiltinSource("logger")
	if !ok {
		t.Fatal("no logger")
	}
	patched := strings.Replace(string(src), `"displayName": "Logger"`, `"displayName": "Patched Logger"`, 1)
	write := func(name, text string) string {
		p := filepath.Join(dir, tags.OverrideDir, name+".tpl")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("meta-capi", patched)
	write("my-tag", patched)
	broken := write("ga4", "___INFO___\n\n{not json\n")

	cases := []struct {
		dir, ref, display, path, err string
	}{
		{dir: dir, ref: "meta-capi", display: "Patched Logger", path: filepath.Join(dir, "templates", "meta-capi.tpl")},
		{dir: dir, ref: "my-tag", display: "Patched Logger", path: filepath.Join(dir, "templates", "my-tag.tpl")},
		{dir: dir, ref: "logger", display: "Logger", path: "builtin:logger.tpl"},
		{dir: "", ref: "meta-capi", display: "Meta Conversions API", path: "builtin:meta-capi.tpl"},
		{dir: dir, ref: "ga4", err: broken},
		{dir: dir, ref: "nope", err: "no built-in template"},
	}
	for _, c := range cases {
		tp, err := tags.Resolve(c.dir, c.ref)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Resolve(%q, %q) error %v, want one containing %q", c.dir, c.ref, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Resolve(%q, %q): %v", c.dir, c.ref, err)
			continue
		}
		if tp.Info.DisplayName != c.display || tp.Path != c.path {
			t.Errorf("Resolve(%q, %q) = %q from %q, want %q from %q", c.dir, c.ref, tp.Info.DisplayName, tp.Path, c.display, c.path)
		}
	}
	if p, ok := tags.OverridePath(dir, "meta-capi"); !ok || p != filepath.Join(dir, "templates", "meta-capi.tpl") {
		t.Errorf("OverridePath = %q, %v", p, ok)
	}
	if _, ok := tags.OverridePath(dir, "logger"); ok {
		t.Error("OverridePath reports a file that does not exist")
	}
}

// runVariable evaluates a built-in MACRO template once.
func runVariable(t testing.TB, pool *sandbox.Pool, p *sandbox.Program, params map[string]any, ev map[string]any, header http.Header) (any, error) {
	c := &runtime.Container{Env: &runtime.Env{}}
	x := runtime.NewExchange(&runtime.Request{Method: "GET", Path: "/", Header: header}, c)
	data := p.Template.Defaults()
	for k, v := range params {
		data[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res := pool.Run(ctx, &sandbox.Execution{Program: p, Name: p.Template.Info.DisplayName, Data: data, X: x,
		Env: c.Env, EC: runtime.NewEventContext(x, c, runtime.Event(ev))})
	return res.Value, res.Err
}

func compileBuiltin(t testing.TB, name string) *sandbox.Program {
	tp, err := tags.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := sandbox.Compile(tp)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzUserAgent: any user agent string parses without an error into a known device type.
func FuzzUserAgent(f *testing.F) {
	for _, s := range []string{
		"", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) Mobile/15E148",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/125.0.0.0 Safari/537.36 Edg/125.0",
		"android", "version/", "windows nt .......", "MSIE \x00", "Trident/7.0; rv:", "ipad os _",
	} {
		f.Add(s)
	}
	p := compileBuiltin(f, "user-agent")
	pool := sandbox.NewPool(sandbox.Limits{})
	f.Fuzz(func(t *testing.T, ua string) {
		v, err := runVariable(t, pool, p, map[string]any{"user_agent": ua, "output": "all"}, map[string]any{}, http.Header{})
		if err != nil {
			t.Fatalf("%q: %v", ua, err)
		}
		if strings.TrimSpace(ua) == "" {
			if v != nil {
				t.Fatalf("%q: %v, want undefined", ua, v)
			}
			return
		}
		info, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%q: %T %v", ua, v, v)
		}
		switch info["device_type"] {
		case "desktop", "mobile", "tablet":
		default:
			t.Fatalf("%q: device_type %v", ua, info["device_type"])
		}
	})
}

// FuzzCustomerData: any raw value for any field and vendor normalises without an error to
// nothing or a lower-case SHA-256 hex string.
func FuzzCustomerData(f *testing.F) {
	for _, s := range []string{"", " Jane.Doe@GMail.com ", "+1 (555) 123-4567", "0044 20", "1990-05-17",
		"94107-1234", "Raphaël", "00", "@", "\u00a0", strings.Repeat("a", 64)} {
		f.Add(s, uint8(0))
	}
	p := compileBuiltin(f, "hashed-user-data")
	pool := sandbox.NewPool(sandbox.Limits{})
	fields := []string{"email", "phone", "first_name", "last_name", "street", "city", "region", "postal_code", "country", "gender", "date_of_birth", "external_id"}
	rules := []string{"meta", "google", "tiktok"}
	f.Fuzz(func(t *testing.T, raw string, pick uint8) {
		params := map[string]any{"value": raw, "field": fields[int(pick)%len(fields)], "rules": rules[int(pick)%len(rules)], "default_phone_country_code": "44"}
		v, err := runVariable(t, pool, p, params, map[string]any{}, http.Header{})
		if err != nil {
			t.Fatalf("%v: %v", params, err)
		}
		if v == nil {
			return
		}
		s, ok := v.(string)
		if !ok || !hexHash.MatchString(s) || len(s) != 64 {
			t.Fatalf("%v: %#v is not a SHA-256 hex value", params, v)
		}
	})
}

// FuzzConsentStrings: any gcs/gcd pair decodes to granted, denied or unknown per type.
func FuzzConsentStrings(f *testing.F) {
	for _, s := range [][2]string{{"G111", "13t3t3t3t5l1"}, {"G100", "11p1p1p1p5"}, {"", ""}, {"G1", "1"}, {"G1x0", "99zzzz"}} {
		f.Add(s[0], s[1])
	}
	p := compileBuiltin(f, "consent-state")
	pool := sandbox.NewPool(sandbox.Limits{})
	f.Fuzz(func(t *testing.T, gcs, gcd string) {
		v, err := runVariable(t, pool, p, map[string]any{"consent_type": "all"}, map[string]any{"x-ga-gcs": gcs, "x-ga-gcd": gcd}, http.Header{})
		if err != nil {
			t.Fatalf("%q %q: %v", gcs, gcd, err)
		}
		all, ok := v.(map[string]any)
		if !ok || len(all) != 4 {
			t.Fatalf("%q %q: %#v", gcs, gcd, v)
		}
		for k, state := range all {
			if state != "granted" && state != "denied" && state != "unknown" {
				t.Fatalf("%q %q: %s = %#v", gcs, gcd, k, state)
			}
		}
	})
}

// FuzzCookieValue: any cookie value, in any extraction mode, yields a string or nothing.
func FuzzCookieValue(f *testing.F) {
	for _, s := range []string{"GA1.1.1234567890.1716199000", "GCL.1716199000.Cj0", "2.1.kCj0$i1", "fb.1.1.IwAR", "%zz", "", ".k"} {
		f.Add(s, uint8(0))
	}
	p := compileBuiltin(f, "cookie-value")
	pool := sandbox.NewPool(sandbox.Limits{})
	modes := []string{"raw", "ga_client_id", "gclid", "fbclid"}
	f.Fuzz(func(t *testing.T, value string, pick uint8) {
		if strings.ContainsAny(value, ";\r\n") {
			return // not a single cookie value
		}
		header := http.Header{"Cookie": []string{"c=" + value}}
		v, err := runVariable(t, pool, p, map[string]any{"name": "c", "extract": modes[int(pick)%len(modes)]}, map[string]any{}, header)
		if err != nil {
			t.Fatalf("%q: %v", value, err)
		}
		if _, ok := v.(string); v != nil && !ok {
			t.Fatalf("%q: %#v", value, v)
		}
	})
}
