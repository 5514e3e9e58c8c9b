package postback

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"mime"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/tagd-dev/tagd/clients/internal/jsonx"
)

// Limits of one postback.
const (
	MaxParams     = 100
	MaxValueBytes = 1024
)

// Names says which parameters carry which field; the first name present wins.
type Names struct {
	ClickID       []string
	Payout        []string
	Currency      []string
	TransactionID []string
	Status        []string
	DeviceType    []string
	Event         []string
	Signature     string
}

// DefaultNames covers the spellings of the common networks and trackers (TUNE, Everflow,
// Voluum, AnyTrack).
func DefaultNames() Names {
	return Names{
		ClickID:       []string{"click_id", "clickid", "cid", "subid"},
		Payout:        []string{"payout", "amount", "sale_amount", "value", "revenue"},
		Currency:      []string{"currency", "cur"},
		TransactionID: []string{"transaction_id", "txid", "order_id", "adv_sub"},
		Status:        []string{"status"},
		DeviceType:    []string{"device_type"},
		Event:         []string{"event", "goal", "conversion_type", "et"},
		Signature:     "sig",
	}
}

// Input is one postback request, already read.
type Input struct {
	RawQuery        string
	ContentType     string
	Body            []byte
	SignatureHeader string // X-Signature, used when the signature parameter is absent
}

// Postback is a parsed postback.
type Postback struct {
	ClickID       string
	TransactionID string
	Currency      string // upper case
	Status        string
	DeviceType    string
	Event         string
	Payout        float64
	HasPayout     bool
	PayoutText    string // as sent, for macros that must echo it unchanged
	Signature     string
	// Params are all parameters received (query, then body overriding), first value of
	// each, the signature parameter left out: the signed content.
	Params map[string]string
}

// Error is a malformed postback.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Parse reads a postback. Errors (*Error) are client mistakes: bad encoding, too many or
// too long parameters, a payout that is not a number, a currency that is not three
// letters. A missing click ID is not an error here; the caller decides.
func Parse(in Input, n Names) (*Postback, error) {
	params := map[string]string{}
	if err := parseForm(in.RawQuery, params); err != nil {
		return nil, errorf("query string: %v", err)
	}
	body := bytes.TrimSpace(in.Body)
	if len(body) > 0 {
		mt, _, err := mime.ParseMediaType(in.ContentType)
		if err != nil {
			mt = ""
		}
		switch {
		case mt == "application/json" || strings.HasSuffix(mt, "+json") || ((mt == "" || mt == "text/plain") && body[0] == '{'):
			if err := parseJSON(body, params); err != nil {
				return nil, err
			}
		case mt == "" || mt == "text/plain" || mt == "application/x-www-form-urlencoded":
			bp := map[string]string{}
			if err := parseForm(string(body), bp); err != nil {
				return nil, errorf("form body: %v", err)
			}
			for k, v := range bp {
				params[k] = v
			}
		default:
			return nil, errorf("unsupported content type %q: send form data or a JSON object", mt)
		}
	}
	if len(params) > MaxParams {
		return nil, errorf("%d parameters; the limit is %d", len(params), MaxParams)
	}
	p := &Postback{Params: params}
	if n.Signature != "" {
		p.Signature = params[n.Signature]
		delete(params, n.Signature)
	}
	if p.Signature == "" {
		p.Signature = strings.TrimSpace(in.SignatureHeader)
	}
	pick := func(names []string) string {
		for _, k := range names {
			if v := strings.TrimSpace(params[k]); v != "" {
				return v
			}
		}
		return ""
	}
	p.ClickID = pick(n.ClickID)
	p.TransactionID = pick(n.TransactionID)
	p.Status = pick(n.Status)
	p.DeviceType = pick(n.DeviceType)
	p.Event = pick(n.Event)
	if cur := pick(n.Currency); cur != "" {
		if len(cur) != 3 || !letters(cur) {
			return nil, errorf("currency %q is not a three-letter ISO 4217 code", clip(cur))
		}
		p.Currency = strings.ToUpper(cur)
	}
	if pay := pick(n.Payout); pay != "" {
		f, err := strconv.ParseFloat(pay, 64)
		if err != nil || !isDecimal(pay) || math.IsInf(f, 0) {
			return nil, errorf("payout %q is not a decimal number", clip(pay))
		}
		p.Payout, p.HasPayout, p.PayoutText = f, true, pay
	}
	return p, nil
}

func parseJSON(body []byte, dst map[string]string) error {
	dec, err := jsonx.Decode(body, 4)
	if err != nil {
		return err
	}
	m, ok := dec.Value.(map[string]any)
	if !ok {
		return errorf("a JSON body must be an object of parameters")
	}
	for k, v := range m {
		var s string
		switch t := v.(type) {
		case string:
			s = t
		case float64:
			s = strconv.FormatFloat(t, 'f', -1, 64)
		case int64:
			s = strconv.FormatInt(t, 10)
		case bool:
			s = strconv.FormatBool(t)
		case nil:
			continue
		default:
			return errorf("parameter %q must be a string, number or boolean", clip(k))
		}
		if len(s) > MaxValueBytes {
			return errorf("the value of %q is longer than %d bytes", clip(k), MaxValueBytes)
		}
		dst[k] = s
	}
	return nil
}

// parseForm decodes an x-www-form-urlencoded string; the first value of a key wins.
func parseForm(s string, dst map[string]string) error {
	seen := map[string]bool{}
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		if pair == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return fmt.Errorf("invalid percent-encoding in parameter name %q", clip(rawKey))
		}
		val, err := url.QueryUnescape(rawVal)
		if err != nil {
			return fmt.Errorf("invalid percent-encoding in the value of %q", clip(key))
		}
		if key == "" || seen[key] {
			continue
		}
		if len(seen) >= MaxParams {
			return fmt.Errorf("more than %d parameters", MaxParams)
		}
		if len(val) > MaxValueBytes {
			return fmt.Errorf("the value of %q is longer than %d bytes", clip(key), MaxValueBytes)
		}
		seen[key] = true
		dst[strings.ToValidUTF8(key, "\uFFFD")] = strings.ToValidUTF8(val, "\uFFFD")
	}
	return nil
}

// Canonical is the signed text of a postback: its parameters (signature excluded) sorted
// by name and form-encoded, "a=1&b=x%20y" style as url.Values.Encode writes it.
func Canonical(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(params[k]))
	}
	return b.String()
}

// Sign returns the lower-case hex HMAC-SHA256 of Canonical(params) under secret.
func Sign(secret string, params map[string]string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(Canonical(params)))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks p's signature (hex, any case) against secret in constant time.
func Verify(secret string, p *Postback) bool {
	got, err := hex.DecodeString(strings.ToLower(p.Signature))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	want, _ := hex.DecodeString(Sign(secret, p.Params))
	return hmac.Equal(got, want)
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	a := digits()
	b := 0
	if i < len(s) && s[i] == '.' {
		i++
		b = digits()
	}
	return (a > 0 || b > 0) && i == len(s)
}

func clip(s string) string {
	if len(s) <= 64 {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return strings.ToValidUTF8(s[:64], "\uFFFD") + "…"
}
