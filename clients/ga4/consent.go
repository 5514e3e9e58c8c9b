package ga4

// Consent types in the order gcd lists them (protocols.md §a.5).
var gcdTypes = [...]string{"ad_storage", "analytics_storage", "ad_user_data", "ad_personalization"}

// gcdStates decodes one gcd letter to the effective consent after default
// and update; "l" (not set) and letters we do not know are left out.
var gcdStates = map[byte]string{
	'p': "denied",  // denied by default, no update
	'q': "denied",  // denied by default, denied by update
	't': "granted", // granted by default, no update
	'r': "granted", // denied by default, granted by update
	'm': "denied",  // denied by update only
	'n': "granted", // granted by update only
	'u': "denied",  // granted by default, denied by update
	'v': "granted", // granted by default, granted by update
}

// consentState derives {ad_storage, analytics_storage, ad_user_data,
// ad_personalization: "granted"|"denied"} from the raw strings, leaving out
// what neither string decides. It returns nil when nothing is known.
//
// gcs ("G1" + ad_storage + analytics_storage digits) wins over gcd for the two
// types it carries: it is the state the tag acted on for this hit, while gcd
// is a newer, community-decoded format. gcd fills everything else.
func consentState(gcs, gcd string) map[string]any {
	var cs map[string]any
	set := func(k, v string) {
		if cs == nil {
			cs = make(map[string]any, 4)
		}
		if _, ok := cs[k]; !ok {
			cs[k] = v
		}
	}
	if len(gcs) >= 4 && gcs[:2] == "G1" {
		for i, k := range gcdTypes[:2] {
			switch gcs[2+i] {
			case '1':
				set(k, "granted")
			case '0':
				set(k, "denied")
			}
		}
	}
	// gcd: two leading digits, then letter+digit pairs; the letters sit at
	// offsets 2, 4, 6 and 8.
	if len(gcd) < 3 || !isDigit(gcd[0]) || !isDigit(gcd[1]) {
		return cs
	}
	for i, k := range gcdTypes {
		pos := 2 + 2*i
		if pos >= len(gcd) {
			break
		}
		if st, ok := gcdStates[gcd[pos]]; ok {
			set(k, st)
		}
	}
	return cs
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
