package runtime

import (
	"context"
	"log/slog"
	"time"
)

// Client claims inbound requests and turns them into events. Clients are tried in
// priority order; the first that claims owns the request and no later client runs.
type Client interface {
	// Handle inspects x.Request. If the request is not its own it returns false without
	// side effects. Otherwise it claims (x.Claim), runs events (x.RunContainer) and
	// returns the response (x.Response().Return()).
	Handle(ctx context.Context, x *Exchange) (claimed bool, err error)
}

// Tag is a destination: it runs once per firing and reports exactly one outcome through
// f.Done (the first report wins). Fire may return after reporting (to finish
// fire-and-forget work) or before (the report may come from another goroutine).
type Tag interface {
	Fire(ctx context.Context, f *Firing)
}

// Variable computes a value for an event. Values are memoised per event.
type Variable interface {
	Value(ctx context.Context, ec *EventContext) (any, error)
}

// ClientBinding is a configured client.
type ClientBinding struct {
	Name     string
	Type     string // built-in type or template path
	Priority int
	Client   Client
}

// TagBinding is a configured tag: its implementation, parameters and triggers.
type TagBinding struct {
	Name     string
	Template string // what the tag runs (for status and preview)
	Tag      Tag
	Params   map[string]any // as configured; {{Var}} references resolved per event
	Firing   []*Trigger
	Blocking []*Trigger
	Priority int
	Timeout  time.Duration
	Paused   bool
	Pos      string // file:line of its definition

	// Setup and Teardown sequence other tags around this one (sequence.go).
	Setup    *TagSequence
	Teardown *TagSequence
	// Unlimited lets the tag run more than once per event (as its own firing and as other
	// tags' setup or teardown); by default it runs at most once per event.
	Unlimited bool
}

// TagSequence is a setup or teardown tag of a TagBinding.
type TagSequence struct {
	Tag *TagBinding
	// StopOnFailure: for a setup tag, the main tag fires only if the setup succeeded; for a
	// teardown tag, the teardown fires only if the main tag succeeded.
	StopOnFailure bool
}

// VariableBinding is a configured variable.
type VariableBinding struct {
	Name     string
	Variable Variable
	Default  any
	HasDef   bool
	Pos      string
}

// Env is what the container offers templates and clients besides the request: identity,
// outbound HTTP, storage and logging. It is built by the loader and shared by all
// executions of a container generation.
type Env struct {
	ContainerID     string
	Version         string
	EnvironmentName string
	Logger          *slog.Logger
	HTTP            Dispatcher
	Storage         *TemplateStorage
	// Console receives template logToConsole output.
	Console func(ctx context.Context, line ConsoleLine)
	// Dedup, when set, checks every event against the dedup window (delivery.go).
	Dedup Deduper
}

// ConsoleLine is one logToConsole call.
type ConsoleLine struct {
	Source    string         // tag/variable/client name
	RequestID string         //
	Message   string         // space-joined rendering of the arguments
	Fields    map[string]any // set when the only argument was a plain object
}

// Container is one immutable generation of the configuration: swapped whole on reload.
type Container struct {
	Env       *Env
	Clients   []*ClientBinding // sorted by priority, highest first
	Tags      []*TagBinding
	Triggers  map[string]*Trigger
	Variables map[string]*VariableBinding
	// Transformations edit the event data of affected tags, in the order they run.
	Transformations []*Transformation

	// Requests says how inbound requests are read (body cap, path prefix, proxies).
	Requests RequestOptions

	TagTimeout      time.Duration
	VariableTimeout time.Duration
	ClientTimeout   time.Duration

	// Close releases resources of this generation (sandbox pools) once no request uses it.
	Close func()
}
