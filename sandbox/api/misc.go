package api

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	now := func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		return vu.Runtime().ToValue(time.Now().UnixMilli())
	}
	register("getTimestampMillis", "", now)
	register("getTimestamp", "", now)
	register("generateRandom", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		lo, hi := c.Argument(0).ToFloat(), c.Argument(1).ToFloat()
		if math.IsNaN(lo) || math.IsNaN(hi) {
			return vu.Runtime().ToValue(math.NaN())
		}
		a, b := int64(math.Ceil(lo)), int64(math.Floor(hi))
		if b < a {
			a, b = b, a
		}
		return vu.Runtime().ToValue(a + rand.Int64N(b-a+1))
	})
	register("callLater", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		f, ok := goja.AssertFunction(c.Argument(0))
		if !ok {
			return undef
		}
		vu.CallLater(func() {
			vu.RunTask(func() error {
				_, err := f(goja.Undefined())
				return err
			})
		})
		return undef
	})
}
