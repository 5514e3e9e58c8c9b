package api

import (
	"regexp"
	"strings"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

func init() {
	// createRegex validates the pattern as RE2 (linear time, as sGTM promises) and returns a
	// JS RegExp built from the same source, so the result also works as a pattern for
	// String.prototype.replace/match/split.
	register("createRegex", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		pat := jsString(c.Argument(0))
		flags := ""
		if f, ok := argString(c, 1); ok {
			for _, ch := range f {
				if (ch == 'g' || ch == 'i') && !strings.ContainsRune(flags, ch) {
					flags += string(ch)
				}
			}
		}
		re2 := pat
		if strings.Contains(flags, "i") {
			re2 = "(?i)" + re2
		}
		if _, err := regexp.Compile(re2); err != nil {
			return goja.Null()
		}
		v, err := vu.Runtime().New(vu.Native("RegExp"), vu.Runtime().ToValue(pat), vu.Runtime().ToValue(flags))
		if err != nil {
			return goja.Null()
		}
		return v
	})
	register("testRegex", "", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		re, ok := c.Argument(0).(*goja.Object)
		if !ok {
			return vu.Runtime().ToValue(false)
		}
		test, ok := goja.AssertFunction(re.Get("test"))
		if !ok {
			return vu.Runtime().ToValue(false)
		}
		v, err := test(re, c.Argument(1))
		if err != nil {
			panic(err)
		}
		return v
	})
}
