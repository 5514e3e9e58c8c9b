package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// The export's JSON model. Only what the importer reads is typed; every object also keeps
// its raw keys so that fields the importer does not know are reported, not lost.

type export struct {
	ExportFormatVersion *flexString       `json:"exportFormatVersion"`
	ExportTime          string            `json:"exportTime"`
	ContainerVersion    *containerVersion `json:"containerVersion"`
}

type containerVersion struct {
	ContainerID     flexString        `json:"containerId"`
	VersionID       flexString        `json:"containerVersionId"`
	Name            string            `json:"name"`
	Container       gtmContainer      `json:"container"`
	Tag             []gtmTag          `json:"tag"`
	Trigger         []gtmTrigger      `json:"trigger"`
	Variable        []gtmVariable     `json:"variable"`
	BuiltInVariable []gtmBuiltIn      `json:"builtInVariable"`
	Client          []gtmClient       `json:"client"`
	CustomTemplate  []gtmTemplate     `json:"customTemplate"`
	Transformation  []gtmTransform    `json:"transformation"`
	Zone            []json.RawMessage `json:"zone"`
	GtagConfig      []json.RawMessage `json:"gtagConfig"`
}

type gtmContainer struct {
	ContainerID  flexString `json:"containerId"`
	PublicID     string     `json:"publicId"`
	Name         string     `json:"name"`
	UsageContext []string   `json:"usageContext"`
}

// param is a GTM Parameter: {type, key, value, list, map}.
type param struct {
	Type            string  `json:"type"`
	Key             string  `json:"key"`
	Value           *string `json:"value"`
	List            []param `json:"list"`
	Map             []param `json:"map"`
	IsWeakReference bool    `json:"isWeakReference"`
}

func (p param) str() string {
	if p.Value == nil {
		return ""
	}
	return *p.Value
}

type gtmTag struct {
	TagID              flexString   `json:"tagId"`
	Name               string       `json:"name"`
	Type               string       `json:"type"`
	Parameter          []param      `json:"parameter"`
	FiringTriggerID    []flexString `json:"firingTriggerId"`
	BlockingTriggerID  []flexString `json:"blockingTriggerId"`
	TagFiringOption    string       `json:"tagFiringOption"`
	Priority           *param       `json:"priority"`
	Paused             bool         `json:"paused"`
	LiveOnly           bool         `json:"liveOnly"`
	ScheduleStartMs    flexString   `json:"scheduleStartMs"`
	ScheduleEndMs      flexString   `json:"scheduleEndMs"`
	SetupTag           []seqTag     `json:"setupTag"`
	TeardownTag        []seqTag     `json:"teardownTag"`
	MonitoringMetadata *param       `json:"monitoringMetadata"`
	MonitoringNameKey  string       `json:"monitoringMetadataTagNameKey"`
	ConsentSettings    *consent     `json:"consentSettings"`
	raw                map[string]json.RawMessage
}

type seqTag struct {
	TagName               string `json:"tagName"`
	StopOnSetupFailure    bool   `json:"stopOnSetupFailure"`
	StopTeardownOnFailure bool   `json:"stopTeardownOnFailure"`
}

type consent struct {
	ConsentStatus string `json:"consentStatus"`
	ConsentType   *param `json:"consentType"`
}

type gtmTrigger struct {
	TriggerID         flexString  `json:"triggerId"`
	Name              string      `json:"name"`
	Type              string      `json:"type"`
	Filter            []condition `json:"filter"`
	CustomEventFilter []condition `json:"customEventFilter"`
	AutoEventFilter   []condition `json:"autoEventFilter"`
	Parameter         []param     `json:"parameter"`
	raw               map[string]json.RawMessage
}

type condition struct {
	Type      string  `json:"type"`
	Parameter []param `json:"parameter"`
}

type gtmVariable struct {
	VariableID  flexString `json:"variableId"`
	Name        string     `json:"name"`
	Type        string     `json:"type"`
	Parameter   []param    `json:"parameter"`
	FormatValue *format    `json:"formatValue"`
	raw         map[string]json.RawMessage
}

type format struct {
	CaseConversionType      string `json:"caseConversionType"`
	ConvertNullToValue      *param `json:"convertNullToValue"`
	ConvertUndefinedToValue *param `json:"convertUndefinedToValue"`
	ConvertTrueToValue      *param `json:"convertTrueToValue"`
	ConvertFalseToValue     *param `json:"convertFalseToValue"`
}

type gtmBuiltIn struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type gtmClient struct {
	ClientID  flexString `json:"clientId"`
	Name      string     `json:"name"`
	Type      string     `json:"type"`
	Parameter []param    `json:"parameter"`
	Priority  *priority  `json:"priority"`
	raw       map[string]json.RawMessage
}

type gtmTemplate struct {
	TemplateID       flexString  `json:"templateId"`
	Name             string      `json:"name"`
	TemplateData     string      `json:"templateData"`
	GalleryReference *galleryRef `json:"galleryReference"`
}

type galleryRef struct {
	Host              string `json:"host"`
	Owner             string `json:"owner"`
	Repository        string `json:"repository"`
	Version           string `json:"version"`
	GalleryTemplateID string `json:"galleryTemplateId"`
}

type gtmTransform struct {
	TransformationID flexString  `json:"transformationId"`
	Name             string      `json:"name"`
	Type             string      `json:"type"`
	Parameter        []param     `json:"parameter"`
	Filter           []condition `json:"filter"`
	raw              map[string]json.RawMessage
}

// flexString accepts a JSON string or number (IDs are strings in exports, numbers in some
// hand-written files).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: "a JSON " + jsonValueKind(b), Type: reflect.TypeFor[string]()}
	}
	*f = flexString(n.String())
	return nil
}

// priority is a client priority: a plain integer or an INTEGER parameter.
type priority struct{ n int }

func (p *priority) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		p.n = n
		return nil
	}
	var pp param
	if err := json.Unmarshal(b, &pp); err != nil {
		return &json.UnmarshalTypeError{Value: "a JSON " + jsonValueKind(b), Type: reflect.TypeFor[int]()}
	}
	v, err := strconv.Atoi(strings.TrimSpace(pp.str()))
	if err != nil {
		return &json.UnmarshalTypeError{Value: fmt.Sprintf("the parameter value %q", pp.str()), Type: reflect.TypeFor[int]()}
	}
	p.n = v
	return nil
}

// parseExport decodes the export. Errors name the file and the line and column.
func parseExport(name string, src []byte) (*export, error) {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	var ex export
	if err := json.Unmarshal(src, &ex); err != nil {
		return nil, jsonError(name, src, err)
	}
	switch {
	case ex.ExportFormatVersion == nil:
		return nil, fmt.Errorf("%s: not a GTM container export: no exportFormatVersion", name)
	case *ex.ExportFormatVersion != "2":
		return nil, fmt.Errorf("%s:%d: exportFormatVersion %s is not supported (tagd reads version 2)", name, lineOfKey(src, "exportFormatVersion"), *ex.ExportFormatVersion)
	case ex.ContainerVersion == nil:
		return nil, fmt.Errorf("%s: not a GTM container export: no containerVersion", name)
	}
	// Keep each object's raw keys, so unknown fields can be reported.
	var raw struct {
		ContainerVersion struct {
			Tag            []map[string]json.RawMessage `json:"tag"`
			Trigger        []map[string]json.RawMessage `json:"trigger"`
			Variable       []map[string]json.RawMessage `json:"variable"`
			Client         []map[string]json.RawMessage `json:"client"`
			Transformation []map[string]json.RawMessage `json:"transformation"`
		} `json:"containerVersion"`
	}
	if err := json.Unmarshal(src, &raw); err != nil {
		return nil, jsonError(name, src, err)
	}
	cv := ex.ContainerVersion
	r := raw.ContainerVersion
	for i := range cv.Tag {
		cv.Tag[i].raw = r.Tag[i]
	}
	for i := range cv.Trigger {
		cv.Trigger[i].raw = r.Trigger[i]
	}
	for i := range cv.Variable {
		cv.Variable[i].raw = r.Variable[i]
	}
	for i := range cv.Client {
		cv.Client[i].raw = r.Client[i]
	}
	for i := range cv.Transformation {
		cv.Transformation[i].raw = r.Transformation[i]
	}
	return &ex, nil
}

// jsonError turns a decoding error into "file:line:col: reason".
func jsonError(name string, src []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		l, c := lineCol(src, se.Offset)
		return fmt.Errorf("%s:%d:%d: invalid JSON: %v", name, l, c, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "value"
		}
		what := te.Value
		if !strings.Contains(what, " ") {
			what = "a JSON " + what
		}
		msg := fmt.Sprintf("%s must be %s, not %s", field, jsonKind(te.Type.Kind().String()), what)
		if te.Offset <= 0 {
			// Raised by our own decoders, which do not know the position.
			return fmt.Errorf("%s: %s", name, msg)
		}
		l, c := lineCol(src, valueStart(src, te.Offset))
		return fmt.Errorf("%s:%d:%d: %s", name, l, c, msg)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// valueStart moves back from where encoding/json reports a type error (just after the
// value's first token) to the value's first byte.
func valueStart(src []byte, off int64) int64 {
	if off <= 0 || off > int64(len(src)) {
		return off
	}
	i := off - 1
	switch src[i] {
	case '{', '[':
		return i
	case '"':
		for j := i - 1; j >= 0; j-- {
			if src[j] == '"' && (j == 0 || src[j-1] != '\\') {
				return j
			}
		}
		return i
	}
	for i > 0 && !strings.ContainsRune(" \t\r\n:,[", rune(src[i-1])) {
		i--
	}
	return i
}

func jsonValueKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "value"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func jsonKind(k string) string {
	switch k {
	case "slice":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64", "float64":
		return "a number"
	}
	return k
}

// lineCol converts a byte offset (as encoding/json reports it: after the bad token) into a
// 1-based line and column.
func lineCol(src []byte, off int64) (int, int) {
	if off > int64(len(src)) {
		off = int64(len(src))
	}
	if off < 0 {
		off = 0
	}
	before := src[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func lineOfKey(src []byte, key string) int {
	i := bytes.Index(src, []byte(`"`+key+`"`))
	if i < 0 {
		return 0
	}
	l, _ := lineCol(src, int64(i))
	return l
}
