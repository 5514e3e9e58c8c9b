package ga4

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// itemFields maps the two-letter item codes of protocols.md §a.4.
var itemFields = map[string]string{
	"id": "item_id",
	"nm": "item_name",
	"br": "item_brand",
	"ca": "item_category",
	"c2": "item_category2",
	"c3": "item_category3",
	"c4": "item_category4",
	"c5": "item_category5",
	"va": "item_variant",
	"cp": "coupon",
	"ln": "item_list_name",
	"li": "item_list_id",
	"af": "affiliation",
	"lo": "location_id",
	"pi": "promotion_id",
	"pn": "promotion_name",
	"cn": "creative_name",
	"cs": "creative_slot",
}

// itemNumbers are the numeric item codes.
var itemNumbers = map[string]struct {
	key     string
	integer bool
}{
	"pr": {"price", false},
	"ds": {"discount", false},
	"qt": {"quantity", true},
	"lp": {"index", true},
}

// itemIndex reports whether k is "pr<N>" with 1 ≤ N ≤ MaxItems written
// without leading zeros; anything else (pr0, pr01, pr201) is an ordinary
// unknown parameter.
func itemIndex(k string) (int, bool) {
	if len(k) < 3 || len(k) > 5 || k[0] != 'p' || k[1] != 'r' || k[2] == '0' {
		return 0, false
	}
	n := 0
	for _, c := range k[2:] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= MaxItems
}

func itemKey(i int) string { return "pr" + strconv.Itoa(i) }

// parseItem decodes one "~"-separated item string. Each segment is a
// two-character code followed by its value. Custom parameters come as
// k<i><name> / v<i><value> pairs matched by <i>; a half pair is dropped.
// Codes we do not know are kept under the code itself rather than lost.
// Known fields win over custom parameters of the same name.
func parseItem(s string) map[string]any {
	item := make(map[string]any, 8)
	var names, values map[byte]string
	for s != "" {
		var seg string
		seg, s, _ = strings.Cut(s, "~")
		if len(seg) < 2 || seg[0] >= utf8.RuneSelf || seg[1] >= utf8.RuneSelf {
			continue // empty (stray "~"), or no two-character ASCII code
		}
		code, val := seg[:2], seg[2:]
		if key, ok := itemFields[code]; ok {
			setIfAbsent(item, key, val)
			continue
		}
		if num, ok := itemNumbers[code]; ok {
			if num.integer {
				setIfAbsent(item, num.key, intOrRaw(val))
			} else {
				setIfAbsent(item, num.key, floatOrRaw(val))
			}
			continue
		}
		switch code[0] {
		case 'k':
			if names == nil {
				names = make(map[byte]string, 2)
			}
			if _, dup := names[code[1]]; !dup {
				names[code[1]] = val
			}
			continue
		case 'v': // "va" (item_variant) was matched above
			if values == nil {
				values = make(map[byte]string, 2)
			}
			if _, dup := values[code[1]]; !dup {
				values[code[1]] = val
			}
			continue
		}
		setIfAbsent(item, code, val)
	}
	if len(names) > 0 {
		// Sorted so that two pairs with the same name resolve the same way
		// every time: the lower index wins.
		idx := make([]byte, 0, len(names))
		for i := range names {
			idx = append(idx, i)
		}
		slices.Sort(idx)
		for _, i := range idx {
			if v, ok := values[i]; ok && names[i] != "" {
				setIfAbsent(item, names[i], v)
			}
		}
	}
	return item
}
