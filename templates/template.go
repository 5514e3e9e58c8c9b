package templates

import "fmt"

// Kind is the template type from ___INFO___ "type".
type Kind string

// Template kinds. MACRO is what GTM calls a variable template.
const (
	KindTag    Kind = "TAG"
	KindMacro  Kind = "MACRO"
	KindClient Kind = "CLIENT"
)

// Section names as they appear between the triple underscores.
const (
	SectionTermsOfService = "TERMS_OF_SERVICE"
	SectionInfo           = "INFO"
	SectionParameters     = "TEMPLATE_PARAMETERS"
	SectionServerCode     = "SANDBOXED_JS_FOR_SERVER"
	SectionPermissions    = "SERVER_PERMISSIONS"
	SectionTests          = "TESTS"
	SectionNotes          = "NOTES"
	SectionWebCode        = "SANDBOXED_JS_FOR_WEB_TEMPLATE"
	SectionWebPermissions = "WEB_PERMISSIONS"
)

// Template is one parsed .tpl file.
type Template struct {
	Path        string       `json:"path"`                  // file name given to Parse (for messages)
	Info        Info         `json:"info"`                  // ___INFO___
	Params      []Param      `json:"params,omitempty"`      // ___TEMPLATE_PARAMETERS___ as written (tree)
	Code        string       `json:"code"`                  // ___SANDBOXED_JS_FOR_SERVER___ body, interior whitespace exact
	CodeLine    int          `json:"codeLine"`              // 1-based file line of the first line of Code
	Permissions []Permission `json:"permissions,omitempty"` // ___SERVER_PERMISSIONS___; nil if the section is absent
	Tests       *TestSuite   `json:"tests,omitempty"`       // nil if there is no ___TESTS___ section
	TestsLine   int          `json:"testsLine,omitempty"`   // 1-based file line of the first line of the TESTS body
	Notes       string       `json:"notes,omitempty"`
	HasWebCode  bool         `json:"hasWebCode,omitempty"` // ___SANDBOXED_JS_FOR_WEB_TEMPLATE___ present
	Sections    []string     `json:"sections"`             // section names in file order
}

// Info is the ___INFO___ object.
type Info struct {
	Type              Kind     `json:"type"`
	ID                string   `json:"id,omitempty"`
	Version           int      `json:"version,omitempty"`
	DisplayName       string   `json:"displayName,omitempty"`
	Description       string   `json:"description,omitempty"`
	Categories        []string `json:"categories,omitempty"`
	SecurityGroups    []string `json:"securityGroups,omitempty"`
	ContainerContexts []string `json:"containerContexts,omitempty"`
	Brand             Brand    `json:"brand"`
}

// Brand is ___INFO___ "brand". Thumbnail is usually a data: URI.
type Brand struct {
	ID          string `json:"id,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Thumbnail   string `json:"thumbnail,omitempty"`
}

// Field types of ___TEMPLATE_PARAMETERS___.
const (
	TypeText        = "TEXT"
	TypeSelect      = "SELECT"
	TypeCheckbox    = "CHECKBOX"
	TypeRadio       = "RADIO"
	TypeSimpleTable = "SIMPLE_TABLE"
	TypeParamTable  = "PARAM_TABLE"
	TypeGroup       = "GROUP"
	TypeLabel       = "LABEL"
)

// Param is one field descriptor of ___TEMPLATE_PARAMETERS___. JSON tags are
// the GTM key names, so a Param marshals back into the same shape.
type Param struct {
	Type               string              `json:"type"`
	Name               string              `json:"name,omitempty"`
	DisplayName        string              `json:"displayName,omitempty"`
	Help               string              `json:"help,omitempty"`
	SimpleValueType    bool                `json:"simpleValueType,omitempty"`
	DefaultValue       any                 `json:"defaultValue,omitempty"` // as decoded JSON (string, bool, float64, []any, map)
	SubParams          []Param             `json:"subParams,omitempty"`
	SelectItems        []Item              `json:"selectItems,omitempty"`
	RadioItems         []RadioItem         `json:"radioItems,omitempty"`
	SimpleTableColumns []Column            `json:"simpleTableColumns,omitempty"`
	ParamTableColumns  []ParamTableColumn  `json:"paramTableColumns,omitempty"`
	ValueValidators    []Validator         `json:"valueValidators,omitempty"`
	EnablingConditions []EnablingCondition `json:"enablingConditions,omitempty"`
	CheckboxText       string              `json:"checkboxText,omitempty"`
	GroupStyle         string              `json:"groupStyle,omitempty"`
	ValueHint          string              `json:"valueHint,omitempty"`
	ValueUnit          string              `json:"valueUnit,omitempty"`
	NotSetText         string              `json:"notSetText,omitempty"`
	NewRowButtonText   string              `json:"newRowButtonText,omitempty"`
	AlwaysInSummary    bool                `json:"alwaysInSummary,omitempty"`
	CanBeEmptyString   bool                `json:"canBeEmptyString,omitempty"`
	TextAsList         bool                `json:"textAsList,omitempty"`
	MacrosInSelect     bool                `json:"macrosInSelect,omitempty"`
	LineCount          int                 `json:"lineCount,omitempty"`
}

// Item is one SELECT choice (also used by SIMPLE_TABLE SELECT columns).
type Item struct {
	Value        any    `json:"value"`
	DisplayValue string `json:"displayValue,omitempty"`
}

// RadioItem is one RADIO choice; its SubParams are shown only while it is
// selected.
type RadioItem struct {
	Value        any     `json:"value"`
	DisplayValue string  `json:"displayValue,omitempty"`
	Help         string  `json:"help,omitempty"`
	SubParams    []Param `json:"subParams,omitempty"`
}

// Column is one SIMPLE_TABLE column.
type Column struct {
	Name            string      `json:"name"`
	DisplayName     string      `json:"displayName,omitempty"`
	Type            string      `json:"type,omitempty"` // TEXT or SELECT
	DefaultValue    any         `json:"defaultValue,omitempty"`
	IsUnique        bool        `json:"isUnique,omitempty"`
	SelectItems     []Item      `json:"selectItems,omitempty"`
	ValueValidators []Validator `json:"valueValidators,omitempty"`
}

// ParamTableColumn is one PARAM_TABLE column: a full field descriptor.
type ParamTableColumn struct {
	Param    Param `json:"param"`
	IsUnique bool  `json:"isUnique,omitempty"`
}

// Validator is a UI value validator (NON_EMPTY, REGEX, ...). GTM does not run
// validators at execution time; tagd only uses NON_EMPTY in CheckParams.
type Validator struct {
	Type               string              `json:"type"`
	Args               []any               `json:"args,omitempty"`
	ErrorMessage       string              `json:"errorMessage,omitempty"`
	EnablingConditions []EnablingCondition `json:"enablingConditions,omitempty"`
}

// EnablingCondition shows a field only when another field has a value. A
// field's conditions are alternatives: one that holds enables the field.
type EnablingCondition struct {
	ParamName  string `json:"paramName"`
	ParamValue any    `json:"paramValue,omitempty"`
	Type       string `json:"type"` // EQUALS, NOT_EQUALS, PRESENT, ...
}

// Permission is one entry of ___SERVER_PERMISSIONS___.
type Permission struct {
	ID       string         `json:"id"`     // publicId, e.g. "send_http"
	Params   map[string]any `json:"params"` // typed values decoded: 1 string, 2 []any, 3 map[string]any, 8 bool
	Required bool           `json:"required,omitempty"`
}

// TestSuite is the ___TESTS___ section.
type TestSuite struct {
	Setup     string     `json:"setup,omitempty"`
	Scenarios []Scenario `json:"scenarios"`
}

// Scenario is one test of ___TESTS___.
type Scenario struct {
	Name string `json:"name"`
	Code string `json:"code"`
	Line int    `json:"line,omitempty"` // 1-based file line of the scenario's first key
}

// ParseError carries the position of a problem in a .tpl file.
type ParseError struct {
	File    string
	Line    int    // 1-based; 0 when the problem has no single line (e.g. a missing section)
	Section string // section name without underscores, or "" for file-level problems
	Msg     string
	Err     error // underlying decoder error, if any
}

// Error formats "file:line: section: reason", leaving out missing parts.
func (e *ParseError) Error() string {
	s := e.File
	if e.Line > 0 {
		s = fmt.Sprintf("%s:%d", s, e.Line)
	}
	if e.Section != "" {
		s += ": " + e.Section
	}
	return s + ": " + e.Msg
}

// Unwrap returns the underlying decoder error.
func (e *ParseError) Unwrap() error { return e.Err }
