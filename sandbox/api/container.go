package api

import (
	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	sandbox.RegisterPermission("read_container_data", presence)
	register("getContainerVersion", "read_container_data", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		vu.MustCheck("getContainerVersion", "read_container_data")
		ex := vu.Exec()
		info := map[string]any{"containerId": "", "version": "", "environmentName": "", "environmentMode": "LIVE", "debugMode": ex.Debug, "previewMode": ex.Debug}
		if env := ex.Env; env != nil {
			info["containerId"] = env.ContainerID
			info["version"] = env.Version
			info["environmentName"] = env.EnvironmentName
		}
		if ex.Debug {
			info["environmentMode"] = "PREVIEW"
		}
		return vu.ToJS(info)
	})
}

// presence is the checker of permissions without parameters: declaring them grants them.
func presence(map[string]any) (sandbox.Checker, error) {
	return func(...any) error { return nil }, nil
}
