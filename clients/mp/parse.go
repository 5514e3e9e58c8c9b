package mp

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tagd-dev/tagd/clients/internal/jsonx"
)

// Limits from Google's Measurement Protocol reference (protocols.md §b.2).
const (
	MaxBodyBytes         = 130_000 // JSON body
	MaxEvents            = 25
	MaxParams            = 25
	MaxUserProperties    = 25
	MaxItems             = 200
	MaxItemCustomParams  = 10
	MaxNameLen           = 40
	MaxUserPropNameLen   = 24
	MaxParamValueLen     = 100
	MaxUserPropValueLen  = 36
	MaxBackdate          = 72 * time.Hour
	maxFutureSkew        = 15 * time.Minute
	maxDepth             = 16
	validationRelaxed    = "RELAXED"
	validationEnforceRec = "ENFORCE_RECOMMENDATIONS"
)

// Validation codes of Google's validation server.
const (
	ValueInvalid        = "VALUE_INVALID"
	ValueRequired       = "VALUE_REQUIRED"
	NameInvalid         = "NAME_INVALID"
	NameReserved        = "NAME_RESERVED"
	ValueOutOfBounds    = "VALUE_OUT_OF_BOUNDS"
	ExceededMaxEntities = "EXCEEDED_MAX_ENTITIES"
	NameDuplicated      = "NAME_DUPLICATED"
)

// Message is one validation message, JSON-shaped like Google's.
type Message struct {
	FieldPath      string `json:"fieldPath"`
	Description    string `json:"description"`
	ValidationCode string `json:"validationCode"`
}

// Input is one Measurement Protocol request.
type Input struct {
	Body          []byte
	MeasurementID string // measurement_id query parameter (web streams)
	FirebaseAppID string // firebase_app_id query parameter (app streams)
	RemoteIP      string // client IP resolved by the server
	UserAgent     string
	Now           time.Time // for the timestamp_micros window; zero = time.Now()
}

// Result is a parsed request: the events that pass validation and every message.
type Result struct {
	Events   []map[string]any
	Messages []Message
	// Dropped counts events left out because of event-level problems.
	Dropped int
}

// ErrNoStream is returned when neither measurement_id nor firebase_app_id is given.
var ErrNoStream = errors.New("measurement_id (web) or firebase_app_id (app) query parameter is required")

// Parse decodes, validates and maps a request. The error is non-nil only when the body
// cannot be used at all: too large, not JSON (*jsonx.SyntaxError), not a JSON object, or no
// stream id. Everything else is a validation message; events with event-level problems
// (missing, invalid or reserved name; params not an object) are left out, and so are all
// events when the request itself is unusable (no client id, no or too many events). With
// validation_behavior ENFORCE_RECOMMENDATIONS any message about an event drops it.
func Parse(in Input) (*Result, error) {
	if in.MeasurementID == "" && in.FirebaseAppID == "" {
		return nil, ErrNoStream
	}
	if len(in.Body) > MaxBodyBytes {
		return nil, fmt.Errorf("body of %d bytes exceeds the limit of %d", len(in.Body), MaxBodyBytes)
	}
	dec, err := jsonx.Decode(in.Body, maxDepth)
	if err != nil {
		return nil, err
	}
	body, ok := dec.Value.(map[string]any)
	if !ok {
		return nil, errors.New("the body must be a JSON object")
	}
	if in.Now.IsZero() {
		in.Now = time.Now()
	}
	v := &validator{in: in, body: body, eventBad: map[int]bool{}}
	for _, p := range dec.Duplicates {
		v.add(eventOf(p), p, fmt.Sprintf("Field [%s] is given more than once.", p), NameDuplicated)
	}
	v.run()
	return v.result(), nil
}

type validator struct {
	in       Input
	body     map[string]any
	msgs     []Message
	fatal    bool         // the request as a whole is unusable
	eventBad map[int]bool // index → dropped
	eventMsg map[int]bool // index → has any message
	strict   bool
}

func (v *validator) add(event int, path, desc, code string) {
	v.msgs = append(v.msgs, Message{FieldPath: path, Description: desc, ValidationCode: code})
	if event >= 0 {
		if v.eventMsg == nil {
			v.eventMsg = map[int]bool{}
		}
		v.eventMsg[event] = true
	}
}

// eventOf returns the event index a field path belongs to ("events[3].params.x" → 3), or -1.
func eventOf(path string) int {
	rest, ok := strings.CutPrefix(path, "events[")
	if !ok {
		return -1
	}
	n, _, ok := strings.Cut(rest, "]")
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(n)
	if err != nil {
		return -1
	}
	return i
}

func (v *validator) run() {
	b := v.body
	if vb, ok := b["validation_behavior"]; ok {
		s, _ := vb.(string)
		switch s {
		case validationRelaxed:
		case validationEnforceRec:
			v.strict = true
		default:
			v.add(-1, "validation_behavior", fmt.Sprintf("Value [%s] is not RELAXED or ENFORCE_RECOMMENDATIONS.", short(vb)), ValueInvalid)
		}
	}
	idKey := "client_id"
	if v.in.MeasurementID == "" {
		idKey = "app_instance_id"
	}
	switch id := b[idKey].(type) {
	case nil:
		v.add(-1, idKey, fmt.Sprintf("Measurement requires a %s.", idKey), ValueRequired)
		v.fatal = true
	case string:
		if strings.TrimSpace(id) == "" {
			v.add(-1, idKey, fmt.Sprintf("Measurement requires a %s.", idKey), ValueRequired)
			v.fatal = true
		}
	default:
		v.add(-1, idKey, fmt.Sprintf("Field [%s] must be a string.", idKey), ValueInvalid)
		v.fatal = true
	}
	if u, ok := b["user_id"]; ok {
		if s, isStr := u.(string); !isStr {
			v.add(-1, "user_id", "Field [user_id] must be a string.", ValueInvalid)
		} else if len(s) > 256 {
			v.add(-1, "user_id", "Field [user_id] is longer than 256 bytes.", ValueOutOfBounds)
		}
	}
	if ts, ok := b["timestamp_micros"]; ok {
		v.timestamp("timestamp_micros", -1, ts)
	}
	if npa, ok := b["non_personalized_ads"]; ok {
		if _, isBool := npa.(bool); !isBool {
			v.add(-1, "non_personalized_ads", "Field [non_personalized_ads] must be a boolean.", ValueInvalid)
		}
	}
	for _, k := range []string{"user_data", "user_location", "device"} {
		if x, ok := b[k]; ok {
			if _, isMap := x.(map[string]any); !isMap {
				v.add(-1, k, fmt.Sprintf("Field [%s] must be an object.", k), ValueInvalid)
			}
		}
	}
	if ip, ok := b["ip_override"]; ok {
		if _, isStr := ip.(string); !isStr {
			v.add(-1, "ip_override", "Field [ip_override] must be a string.", ValueInvalid)
		}
	}
	v.consent()
	v.userProperties()
	v.events()
}

func (v *validator) timestamp(path string, event int, ts any) {
	n, ok := integer(ts)
	if !ok {
		v.add(event, path, fmt.Sprintf("Field [%s] must be an integer number of microseconds.", path), ValueInvalid)
		if event < 0 {
			v.fatal = true
		} else {
			v.eventBad[event] = true
		}
		return
	}
	t := time.UnixMicro(n)
	if t.Before(v.in.Now.Add(-MaxBackdate)) || t.After(v.in.Now.Add(maxFutureSkew)) {
		v.add(event, path, fmt.Sprintf("Field [%s] is more than 72 hours in the past or in the future.", path), ValueOutOfBounds)
	}
}

func (v *validator) consent() {
	c, ok := v.body["consent"]
	if !ok {
		return
	}
	m, isMap := c.(map[string]any)
	if !isMap {
		v.add(-1, "consent", "Field [consent] must be an object.", ValueInvalid)
		return
	}
	for _, k := range sortedKeys(m) {
		s, _ := m[k].(string)
		if s != "GRANTED" && s != "DENIED" {
			v.add(-1, "consent."+k, fmt.Sprintf("Value [%s] of consent.%s is not GRANTED or DENIED.", short(m[k]), k), ValueInvalid)
		}
	}
}

func (v *validator) userProperties() {
	up, ok := v.body["user_properties"]
	if !ok {
		return
	}
	m, isMap := up.(map[string]any)
	if !isMap {
		v.add(-1, "user_properties", "Field [user_properties] must be an object.", ValueInvalid)
		return
	}
	if len(m) > MaxUserProperties {
		v.add(-1, "user_properties", fmt.Sprintf("Measurement has %d user properties, more than the limit of %d.", len(m), MaxUserProperties), ExceededMaxEntities)
	}
	for _, name := range sortedKeys(m) {
		path := "user_properties." + name
		if !validName(name, MaxUserPropNameLen) {
			v.add(-1, path, fmt.Sprintf("User property name [%s] is invalid. Names must start with a letter, use only letters, digits and underscores, and be at most %d characters.", name, MaxUserPropNameLen), NameInvalid)
		} else if reservedUserProperty(name) {
			v.add(-1, path, fmt.Sprintf("User property name [%s] is reserved.", name), NameReserved)
		}
		obj, isMap := m[name].(map[string]any)
		if !isMap {
			v.add(-1, path, fmt.Sprintf("User property [%s] must be an object like {\"value\": ...}.", name), ValueInvalid)
			continue
		}
		val, has := obj["value"]
		if !has {
			v.add(-1, path+".value", fmt.Sprintf("User property [%s] has no value.", name), ValueRequired)
		} else if s, isStr := val.(string); isStr && utf8.RuneCountInString(s) > MaxUserPropValueLen {
			v.add(-1, path+".value", fmt.Sprintf("Value of user property [%s] is longer than %d characters.", name, MaxUserPropValueLen), ValueOutOfBounds)
		}
		if ts, ok := obj["timestamp_micros"]; ok {
			v.timestamp(path+".timestamp_micros", -1, ts)
		}
	}
}

func (v *validator) events() {
	raw, ok := v.body["events"]
	if !ok {
		v.add(-1, "events", "Measurement requires at least one event.", ValueRequired)
		v.fatal = true
		return
	}
	list, isList := raw.([]any)
	if !isList {
		v.add(-1, "events", "Field [events] must be an array.", ValueInvalid)
		v.fatal = true
		return
	}
	if len(list) == 0 {
		v.add(-1, "events", "Measurement requires at least one event.", ValueRequired)
		v.fatal = true
		return
	}
	if len(list) > MaxEvents {
		v.add(-1, "events", fmt.Sprintf("Measurement has %d events, more than the limit of %d.", len(list), MaxEvents), ExceededMaxEntities)
		v.fatal = true
	}
	for i, e := range list {
		v.event(i, e)
	}
}

func (v *validator) event(i int, e any) {
	path := fmt.Sprintf("events[%d]", i)
	m, isMap := e.(map[string]any)
	if !isMap {
		v.add(i, path, fmt.Sprintf("Event at index: [%d] must be an object.", i), ValueInvalid)
		v.eventBad[i] = true
		return
	}
	name, isStr := m["name"].(string)
	switch {
	case m["name"] == nil:
		v.add(i, path+".name", fmt.Sprintf("Event at index: [%d] has no name.", i), ValueRequired)
		v.eventBad[i] = true
	case !isStr:
		v.add(i, path+".name", fmt.Sprintf("Event at index: [%d] has a name that is not a string.", i), ValueInvalid)
		v.eventBad[i] = true
	case !validName(name, MaxNameLen):
		v.add(i, "events", fmt.Sprintf("Event at index: [%d] has invalid name [%s]. %s", i, name, nameRule(name, MaxNameLen)), NameInvalid)
		v.eventBad[i] = true
	case reservedEvents[name]:
		v.add(i, "events", fmt.Sprintf("Event at index: [%d] has name [%s] which is reserved.", i, name), NameReserved)
		v.eventBad[i] = true
	}
	if ts, ok := m["timestamp_micros"]; ok {
		v.timestamp(path+".timestamp_micros", i, ts)
	}
	raw, has := m["params"]
	if !has || raw == nil {
		return
	}
	params, isMap := raw.(map[string]any)
	if !isMap {
		v.add(i, path+".params", fmt.Sprintf("Event at index: [%d] has params that are not an object.", i), ValueInvalid)
		v.eventBad[i] = true
		return
	}
	if len(params) > MaxParams {
		v.add(i, path+".params", fmt.Sprintf("Event at index: [%d] has %d params, more than the limit of %d.", i, len(params), MaxParams), ExceededMaxEntities)
	}
	for _, k := range sortedKeys(params) {
		pp := path + ".params." + k
		if !validName(k, MaxNameLen) {
			v.add(i, pp, fmt.Sprintf("Event at index: [%d] has invalid param [%s]. %s", i, k, nameRule(k, MaxNameLen)), NameInvalid)
		} else if reservedParam(k) {
			v.add(i, pp, fmt.Sprintf("Event at index: [%d] has param [%s] which is reserved.", i, k), NameReserved)
		}
		if k == "items" {
			v.items(i, pp, params[k])
			continue
		}
		if s, isStr := params[k].(string); isStr && utf8.RuneCountInString(s) > MaxParamValueLen {
			v.add(i, pp, fmt.Sprintf("Event at index: [%d] has param [%s] with a value longer than %d characters.", i, k, MaxParamValueLen), ValueOutOfBounds)
		}
	}
}

// standardItemKeys are GA4's item fields; any other key is a custom item parameter.
var standardItemKeys = map[string]bool{
	"item_id": true, "item_name": true, "affiliation": true, "coupon": true, "discount": true,
	"index": true, "item_brand": true, "item_category": true, "item_category2": true,
	"item_category3": true, "item_category4": true, "item_category5": true, "item_list_id": true,
	"item_list_name": true, "item_variant": true, "location_id": true, "price": true,
	"quantity": true, "promotion_id": true, "promotion_name": true, "creative_name": true,
	"creative_slot": true,
}

func (v *validator) items(i int, path string, raw any) {
	list, isList := raw.([]any)
	if !isList {
		v.add(i, path, fmt.Sprintf("Event at index: [%d] has items that are not an array.", i), ValueInvalid)
		return
	}
	if len(list) > MaxItems {
		v.add(i, path, fmt.Sprintf("Event at index: [%d] has %d items, more than the limit of %d.", i, len(list), MaxItems), ExceededMaxEntities)
	}
	for j, it := range list {
		ip := fmt.Sprintf("%s[%d]", path, j)
		m, isMap := it.(map[string]any)
		if !isMap {
			v.add(i, ip, fmt.Sprintf("Item at index: [%d] of event [%d] must be an object.", j, i), ValueInvalid)
			continue
		}
		if m["item_id"] == nil && m["item_name"] == nil {
			v.add(i, ip, fmt.Sprintf("Item at index: [%d] of event [%d] needs an item_id or an item_name.", j, i), ValueRequired)
		}
		custom := 0
		for _, k := range sortedKeys(m) {
			if !standardItemKeys[k] {
				custom++
				if !validName(k, MaxNameLen) {
					v.add(i, ip+"."+k, fmt.Sprintf("Item at index: [%d] of event [%d] has invalid param [%s]. %s", j, i, k, nameRule(k, MaxNameLen)), NameInvalid)
				}
			}
		}
		if custom > MaxItemCustomParams {
			v.add(i, ip, fmt.Sprintf("Item at index: [%d] of event [%d] has %d custom params, more than the limit of %d.", j, i, custom, MaxItemCustomParams), ExceededMaxEntities)
		}
	}
}

func (v *validator) result() *Result {
	r := &Result{Messages: v.msgs}
	if r.Messages == nil {
		r.Messages = []Message{}
	}
	list, _ := v.body["events"].([]any)
	if v.fatal {
		r.Dropped = len(list)
		return r
	}
	for i, e := range list {
		if v.eventBad[i] || (v.strict && v.eventMsg[i]) {
			r.Dropped++
			continue
		}
		r.Events = append(r.Events, v.mapEvent(e.(map[string]any)))
	}
	return r
}

// mapEvent turns one events[] element into event data (protocols.md §b.4).
func (v *validator) mapEvent(e map[string]any) map[string]any {
	b := v.body
	ev := map[string]any{}
	// Params first: request-level keys below must win over a param of the same name.
	if params, ok := e["params"].(map[string]any); ok {
		for k, p := range params {
			ev[k] = p
		}
	}
	ev["event_name"] = e["name"]
	ev["x-ga-protocol_version"] = "2"
	if v.in.MeasurementID != "" {
		ev["x-ga-measurement_id"] = v.in.MeasurementID
	}
	if v.in.FirebaseAppID != "" {
		ev["x-ga-firebase_app_id"] = v.in.FirebaseAppID
	}
	if id, ok := b["client_id"].(string); ok && id != "" {
		ev["client_id"] = id
	} else if id, ok := b["app_instance_id"].(string); ok && id != "" {
		ev["client_id"] = id
	}
	if id, ok := b["app_instance_id"].(string); ok && id != "" {
		ev["x-ga-app_instance_id"] = id
	}
	if id, ok := b["user_id"].(string); ok && id != "" {
		ev["user_id"] = id
	}
	if sid, ok := ev["session_id"]; ok {
		if _, taken := ev["ga_session_id"]; !taken {
			ev["ga_session_id"] = stringOf(sid)
		}
	}
	if ts, ok := integer(e["timestamp_micros"]); ok {
		ev["timestamp_micros"] = ts
	} else if ts, ok := integer(b["timestamp_micros"]); ok {
		ev["timestamp_micros"] = ts
	}
	if ip, ok := b["ip_override"].(string); ok && ip != "" {
		ev["ip_override"] = ip
	} else if v.in.RemoteIP != "" {
		ev["ip_override"] = v.in.RemoteIP
	}
	if v.in.UserAgent != "" {
		ev["user_agent"] = strings.ToValidUTF8(v.in.UserAgent, "\uFFFD")
	}
	if up, ok := b["user_properties"].(map[string]any); ok && len(up) > 0 {
		props := map[string]any{}
		for k, x := range up {
			if obj, isMap := x.(map[string]any); isMap {
				if val, has := obj["value"]; has {
					props[k] = val
				}
			}
		}
		if len(props) > 0 {
			ev["x-ga-mp2-user_properties"] = props
			cp := make(map[string]any, len(props))
			for k, x := range props {
				cp[k] = x
			}
			ev["user_properties"] = cp
		}
	}
	for _, k := range []string{"user_data", "user_location", "device"} {
		if m, ok := b[k].(map[string]any); ok {
			ev[k] = deepCopy(m)
		}
	}
	if dev, ok := b["device"].(map[string]any); ok {
		if s, ok := dev["language"].(string); ok && s != "" {
			ev["language"] = strings.ToLower(s)
		}
		if s, ok := dev["screen_resolution"].(string); ok && s != "" {
			ev["screen_resolution"] = s
		}
	}
	if c, ok := b["consent"].(map[string]any); ok {
		cs := map[string]any{}
		for k, x := range c {
			switch x {
			case "GRANTED":
				cs[k] = "granted"
			case "DENIED":
				cs[k] = "denied"
			}
		}
		if len(cs) > 0 {
			ev["consent_state"] = cs
		}
	}
	if npa, ok := b["non_personalized_ads"].(bool); ok {
		if npa {
			ev["x-ga-npa"] = "1"
		} else {
			ev["x-ga-npa"] = "0"
		}
	}
	return ev
}

// reservedEvents are the event names the Measurement Protocol refuses (protocols.md §b.2).
var reservedEvents = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`ad_activeview ad_click ad_exposure ad_impression ad_query
		ad_reward adunit_exposure app_background app_clear_data app_exception app_remove
		app_store_refund app_store_subscription_cancel app_store_subscription_convert
		app_store_subscription_renew app_update app_upgrade dynamic_link_app_open
		dynamic_link_app_update dynamic_link_first_open error firebase_campaign first_open
		first_visit in_app_purchase notification_dismiss notification_foreground
		notification_open notification_receive os_update session_start
		session_start_with_rollout user_engagement`) {
		reservedEvents[n] = true
	}
}

var reservedPrefixes = []string{"google_", "ga_", "firebase_"}

func reservedParam(name string) bool {
	if name == "firebase_conversion" {
		return true
	}
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func reservedUserProperty(name string) bool {
	switch name {
	case "first_open_time", "first_visit_time", "last_deep_link_referrer", "user_id", "first_open_after_install":
		return true
	}
	return reservedParam(name)
}

// validName: starts with a letter, then letters, digits or underscores, at most max.
func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if i == 0 && !letter {
			return false
		}
		if !letter && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func nameRule(s string, max int) string {
	switch {
	case s == "":
		return "Names must not be empty."
	case len(s) > max:
		return fmt.Sprintf("Names must be at most %d characters.", max)
	case !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')):
		return "Names must start with an alphabetic character."
	}
	return "Names must contain only alphanumeric characters and underscores."
}

// integer accepts a whole JSON number (float64 or int64) or a decimal string of digits,
// which some clients send for 64-bit values.
func integer(x any) (int64, bool) {
	switch t := x.(type) {
	case float64:
		if t != float64(int64(t)) {
			return 0, false
		}
		return int64(t), true
	case int64:
		return t, true
	case string:
		n, err := strconv.ParseInt(t, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func stringOf(x any) string {
	switch t := x.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(t, 10)
	case bool:
		return strconv.FormatBool(t)
	}
	return fmt.Sprint(x)
}

func short(x any) string {
	s := stringOf(x)
	if x == nil {
		s = "null"
	}
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func deepCopy(x any) any {
	switch t := x.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, v := range t {
			m[k] = deepCopy(v)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, v := range t {
			s[i] = deepCopy(v)
		}
		return s
	}
	return x
}
