package ga4

import (
	"bytes"
	"net/url"
	"strings"
)

// Claims reports whether the sGTM GA4 client would claim this request: the
// path (after any mount prefix was stripped by the caller) is /g/collect or
// /g/collect/, the protocol version v is "2" and a measurement id tid is
// present. v and tid come from the query string; for batched hits that lack
// them there, from the first non-empty body line.
//
// Claims is lenient: a pair it cannot decode is skipped, so a hit with one
// broken parameter is still claimed and then answered by Parse's error.
func Claims(path string, rawQuery string, body []byte) bool {
	if path != "/g/collect" && path != "/g/collect/" {
		return false
	}
	v, tid := lookup(rawQuery)
	if v == "" || tid == "" {
		lv, ltid := lookup(firstLine(body))
		if v == "" {
			v = lv
		}
		if tid == "" {
			tid = ltid
		}
	}
	return v == "2" && tid != ""
}

// lookup returns the first decodable values of v and tid in a form string.
func lookup(s string) (v, tid string) {
	var haveV, haveTid bool
	for s != "" && !(haveV && haveTid) {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			continue
		}
		var dst *string
		switch {
		case key == "v" && !haveV:
			dst, haveV = &v, true
		case key == "tid" && !haveTid:
			dst, haveTid = &tid, true
		default:
			continue
		}
		if val, err := url.QueryUnescape(rawVal); err == nil {
			*dst = val
		}
	}
	return v, tid
}

// firstLine returns the first body line that is not blank.
func firstLine(body []byte) string {
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		if line = bytes.TrimSpace(line); len(line) > 0 {
			return string(line)
		}
	}
	return ""
}
