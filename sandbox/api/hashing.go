package api

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	register("sha256Sync", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		return vu.Runtime().ToValue(digest(jsString(c.Argument(0)), c.Argument(1)))
	})
	// sha256 delivers the digest asynchronously, after the current code returns.
	register("sha256", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		d := digest(jsString(c.Argument(0)), c.Argument(2))
		onSuccess, ok := goja.AssertFunction(c.Argument(1))
		if !ok {
			return undef
		}
		vu.CallLater(func() {
			vu.RunTask(func() error {
				_, err := onSuccess(goja.Undefined(), vu.Runtime().ToValue(d))
				return err
			})
		})
		return undef
	})
}

func digest(s string, opts goja.Value) string {
	sum := sha256.Sum256([]byte(s))
	if o, ok := opts.(*goja.Object); ok {
		if enc := o.Get("outputEncoding"); enc != nil && enc.String() == "hex" {
			return hex.EncodeToString(sum[:])
		}
	}
	return base64.StdEncoding.EncodeToString(sum[:])
}
