package loader_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/config"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/loader"
	"github.com/tagd-dev/tagd/runtime/testsink"
)

const sequencedTOML = `
[[trigger]]
name = "Purchase"
event = "purchase"

[[variable]]
name = "Shop"
type = "constant"
value = "de"

[[variable]]
name = "Value"
type = "event_data"
key = "value"

[[tag]]
name = "Order hook"
template = "http-request"
triggers = ["Purchase"]
setup_tag = "Setup hook"
stop_on_setup_failure = true
teardown_tag = "Teardown hook"
[tag.parameters]
method = "POST"
url = "https://hooks.example/order?email={{user_data.email_address}}"
body_format = "json"
body_include_event_data = true

[[tag]]
name = "Setup hook"
template = "http-request"
[tag.parameters]
url = "https://hooks.example/setup"

[[tag]]
name = "Teardown hook"
template = "http-request"
[tag.parameters]
url = "https://hooks.example/teardown?email={{user_data.email_address}}"

[[transformation]]
name = "No PII for the order hook"
type = "exclude"
keys = ["user_data", "ip_override"]
tags = ["Order hook"]

[[transformation]]
name = "Label the shop"
type = "augment"
tag_templates = ["http-request"]
[[transformation.param]]
key = "shop"
value = "{{Shop}}"
[[transformation.condition]]
variable = "Value"
operator = "greater_than"
value = "10"
`

// TestTransformationsAndSequencesThroughTheSandbox loads a config with setup/teardown tags
// and transformations and checks what real template tags send: the transformed event (via
// getAllEventData and {{references}}), in sequence.
func TestTransformationsAndSequencesThroughTheSandbox(t *testing.T) {
	dest := testsink.New(t)
	engine, _ := build(t, sequencedTOML, dest.URL)
	x := runtime.NewExchange(&runtime.Request{Method: "POST", Path: "/x"}, engine.Container())
	if err := x.Claim("test"); err != nil {
		t.Fatal(err)
	}
	ev := runtime.Event{"event_name": "purchase", "value": 25.0, "ip_override": "203.0.113.9",
		"user_data": map[string]any{"email_address": "a@example.com"}}
	res, err := x.RunContainer(context.Background(), ev, runtime.RunHooks{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range res.Tags {
		names = append(names, r.Name+":"+string(r.Status))
	}
	if !cmp.Equal(names, []string{"Setup hook:success", "Order hook:success", "Teardown hook:success"}) {
		t.Errorf("results %v", names)
	}
	got := dest.ByPath("/")
	if len(got) != 3 {
		t.Fatalf("requests: %+v", got)
	}
	var paths []string
	for _, r := range got {
		paths = append(paths, r.Path)
	}
	if !cmp.Equal(paths, []string{"/setup", "/order", "/teardown"}) {
		t.Errorf("request order %v", paths)
	}
	order := got[1]
	if order.Query.Get("email") != "" {
		t.Errorf("the order hook's URL saw the excluded email: %s", order.Original)
	}
	var body map[string]any
	if err := json.Unmarshal(order.Body, &body); err != nil {
		t.Fatalf("body %s: %v", order.Body, err)
	}
	want := map[string]any{"event_name": "purchase", "value": 25.0, "shop": "de"}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("order hook body (-want +got):\n%s", diff)
	}
	// The teardown is not affected by the exclude transformation.
	if td := got[2]; td.Query.Get("email") != "a@example.com" {
		t.Errorf("teardown URL %s", td.Original)
	}
	// The event itself is unchanged.
	if _, ok := res.Event.Get("user_data.email_address"); !ok || res.Event["shop"] != nil {
		t.Errorf("event changed: %v", res.Event)
	}
}

func TestSequenceAndTransformationErrors(t *testing.T) {
	bad := strings.Replace(sequencedTOML, `setup_tag = "Setup hook"`, `setup_tag = "Nope"`, 1)
	bad = strings.Replace(bad, `tags = ["Order hook"]`, `tags = ["Missing tag"]`, 1)
	if _, err := buildErr(bad); err == nil ||
		!strings.Contains(err.Error(), `setup_tag: unknown tag "Nope"`) ||
		!strings.Contains(err.Error(), `tags: unknown tag "Missing tag"`) {
		t.Errorf("err = %v", err)
	}
}

// buildErr parses and builds a config, returning the first error of either step.
func buildErr(toml string) (*runtime.Container, error) {
	cfg, err := config.Parse("seq.toml", "", []byte(toml))
	if err != nil {
		return nil, err
	}
	res, err := loader.Build(cfg, loader.Options{})
	if err != nil {
		return nil, err
	}
	return res.Container, nil
}
