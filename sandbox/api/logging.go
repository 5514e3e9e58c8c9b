package api

import (
	"context"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	sandbox.RegisterPermission("logging", func(p map[string]any) (sandbox.Checker, error) {
		debugOnly := sandbox.ParamString(p, "environments") == "debug"
		return func(args ...any) error {
			if debugOnly && len(args) > 0 {
				if debug, _ := args[0].(bool); !debug {
					return errSilent
				}
			}
			return nil
		}, nil
	})
	register("logToConsole", "logging", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		ex := vu.Exec()
		if err := vu.Check("logToConsole", "logging", ex.Debug); err != nil {
			// With environments "debug", logging outside preview is a silent no-op.
			if strings.Contains(err.Error(), errSilent.Error()) {
				return undef
			}
			vu.Throw(err)
		}
		line := runtime.ConsoleLine{Source: ex.Name, Message: renderArgs(vu, c.Arguments)}
		x := ex.Exchange()
		if x != nil {
			line.RequestID = x.ID
		}
		if len(c.Arguments) == 1 && TypeOf(c.Arguments[0]) == "object" {
			if m, ok := sandbox.FromJS(c.Arguments[0]).(map[string]any); ok {
				line.Fields = m
			}
		}
		if max := vu.Limits().MaxLogBytes; len(line.Message) > max {
			line.Message = line.Message[:max] + "…(truncated)"
		}
		if x != nil {
			x.Trace.AddConsole(line)
		}
		if ex.Env != nil && ex.Env.Console != nil {
			ex.Env.Console(vu.Context(), line)
		} else {
			defaultConsole(vu, line)
		}
		return undef
	})
}

type silentErr struct{}

func (silentErr) Error() string { return "logging is enabled only in debug environments" }

var errSilent = silentErr{}

func defaultConsole(vu *sandbox.VU, l runtime.ConsoleLine) {
	attrs := []any{"source", l.Source}
	if l.RequestID != "" {
		attrs = append(attrs, "request_id", l.RequestID)
	}
	for k, v := range l.Fields {
		attrs = append(attrs, k, v)
	}
	if l.Fields == nil {
		attrs = append(attrs, "message", l.Message)
	}
	vu.Logger().Log(context.Background(), 0, "console", attrs...)
}

// renderArgs joins arguments like a console: strings as they are, other values as JSON.
func renderArgs(vu *sandbox.VU, args []goja.Value) string {
	parts := make([]string, len(args))
	var stringify goja.Callable
	if j := vu.Native("JSON"); j != nil {
		stringify, _ = goja.AssertFunction(j.Get("stringify"))
	}
	for i, a := range args {
		switch TypeOf(a) {
		case "string":
			parts[i] = a.String()
		case "object", "array":
			if stringify != nil {
				if v, err := stringify(goja.Undefined(), a); err == nil && !goja.IsUndefined(v) {
					parts[i] = v.String()
					continue
				}
			}
			parts[i] = a.String()
		default:
			parts[i] = jsString(a)
		}
	}
	return strings.Join(parts, " ")
}
