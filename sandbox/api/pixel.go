package api

import (
	"net/url"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

// PixelHeader carries the URLs sendPixelFromBrowser asked the browser to load. Partial
// implementation: sGTM streams them to gtag as commands in a richsstsse response; tagd
// only records them on the staged response, where a GA4 client can pick them up.
const PixelHeader = "X-Tagd-Pixel"

func init() {
	sandbox.RegisterPermission("send_pixel_from_browser", newURLPermission)
	sandbox.Register(sandbox.API{Name: "sendPixelFromBrowser", Permission: "send_pixel_from_browser", Status: "partial", New: func(vu *sandbox.VU) goja.Value {
		return fn(vu, func(c goja.FunctionCall) goja.Value {
			u := jsString(c.Argument(0))
			vu.MustCheck("sendPixelFromBrowser", "send_pixel_from_browser", u)
			r, resp := request(vu), response(vu)
			// Only a gtag (GA4 web) request that asked for the command stream can carry it.
			// A URL that does not parse (control characters included) is not sent.
			if pu, err := url.Parse(u); err != nil || !pu.IsAbs() {
				return vu.Runtime().ToValue(false)
			}
			if r == nil || resp == nil || !isMpv2(r) || !r.HasQueryParam("richsstsse") {
				return vu.Runtime().ToValue(false)
			}
			return vu.Runtime().ToValue(resp.AddHeader(PixelHeader, u))
		})
	}})
}
