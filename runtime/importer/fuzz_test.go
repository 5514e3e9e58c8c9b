package importer

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzConvert feeds arbitrary bytes to the importer: it must return a result or an error,
// never panic, and whatever config it returns must load (Convert checks that itself and
// reports an internal error otherwise).
func FuzzConvert(f *testing.F) {
	// Small seeds only: the fuzzer slows to a crawl on the 45 kB full export, whose
	// conversion the golden tests cover.
	more, _ := filepath.Glob(filepath.Join("testdata", "malformed", "*.json"))
	for _, p := range more {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"exportFormatVersion":2,"containerVersion":{"containerId":"9","variable":[{"name":"V","type":"ed","parameter":[{"type":"TEMPLATE","key":"keyPath","value":"a.b"}]},{"name":"T","type":"smm","parameter":[{"type":"TEMPLATE","key":"input","value":"{{V}}"},{"type":"LIST","key":"map","list":[{"type":"MAP","map":[{"type":"TEMPLATE","key":"key","value":"x"},{"type":"TEMPLATE","key":"value","value":"${y}"}]}]}]}],"trigger":[{"triggerId":"1","name":"P","type":"CUSTOM_EVENT","customEventFilter":[{"type":"EQUALS","parameter":[{"type":"TEMPLATE","key":"arg0","value":"{{_event}}"},{"type":"TEMPLATE","key":"arg1","value":"purchase"}]}],"filter":[{"type":"GREATER","parameter":[{"type":"TEMPLATE","key":"arg0","value":"{{T}}"},{"type":"TEMPLATE","key":"arg1","value":"3"},{"type":"BOOLEAN","key":"negate","value":"true"}]}]}],"tag":[{"name":"G","type":"sgtmgaaw","firingTriggerId":["1","2147479574"],"blockingTriggerId":["7"],"setupTag":[{"tagName":"G"}],"parameter":[{"type":"TEMPLATE","key":"measurementId","value":"{{Nope}}"}]}],"client":[{"name":"C","type":"gaaw_client","priority":3}],"transformation":[{"name":"X","type":"tf_augment_event","parameter":[{"type":"LIST","key":"augmentedParams","list":[{"type":"MAP","map":[{"type":"TEMPLATE","key":"paramName","value":"a"},{"type":"TEMPLATE","key":"paramValue","value":"{{V}}"}]}]}]}]}}`))
	f.Add([]byte(`{"exportFormatVersion":2,"containerVersion":{"tag":[{"name":"x","type":"cvt_1_1","firingTriggerId":["2147479553"]}]}}`))
	f.Add([]byte(`{"exportFormatVersion":"2","containerVersion":{"trigger":[{"triggerId":"1","type":"TRIGGER_GROUP","parameter":[{"type":"LIST","key":"triggerIds","list":[{"type":"TRIGGER_REFERENCE","value":"1"}]}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Convert("fuzz.json", data, Options{})
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
		if err == nil {
			_ = res.NotesMarkdown("fuzz.json")
		}
	})
}
