package api

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tagd-dev/tagd/runtime/cloud"
)

func TestBigQueryAPI(t *testing.T) {
	b := clBackends(t, "proj")
	mem := b.BigQuery.(*cloud.MemoryBigQuery)
	got := clValue(t, nil, `const BigQuery = require('BigQuery');
		return BigQuery.insert({datasetId: 'ds', tableId: 'events'}, [{a: 1, b: 'x'}, {nested: {c: [true]}}], {ignoreUnknownValues: true})
			.then(r => r === undefined ? 'resolved' : r);`, clBigQueryAll)
	if got != "resolved" {
		t.Fatalf("insert resolved with %v", got)
	}
	want := []map[string]any{{"a": 1.0, "b": "x"}, {"nested": map[string]any{"c": []any{true}}}}
	if diff := cmp.Diff(want, mem.Rows(cloud.Table{Project: "proj", Dataset: "ds", Table: "events"})); diff != "" {
		t.Fatalf("rows (-want +got):\n%s", diff)
	}

	got = clValue(t, nil, `return require('BigQuery').insert({projectId: 'p2', datasetId: 'ds', tableId: 't'}, [{ok: 1}, 'bad'])
		.then(() => 'resolved', errs => errs);`, clBigQueryAll)
	wantErrs := []any{
		map[string]any{"reason": "invalid", "index": int64(1), "message": "row is a string, not an object"},
		map[string]any{"reason": "stopped", "index": int64(0), "row": map[string]any{"ok": int64(1)}},
	}
	if diff := cmp.Diff(wantErrs, got); diff != "" {
		t.Fatalf("rejection (-want +got):\n%s", diff)
	}
	got = clValue(t, nil, `return require('BigQuery').insert({projectId: 'p2', datasetId: 'ds', tableId: 't'}, [{ok: 1}, 'bad'], {skipInvalidRows: true})
		.then(() => 'resolved', errs => errs.length);`, clBigQueryAll)
	if got != int64(1) || len(mem.Rows(cloud.Table{Project: "p2", Dataset: "ds", Table: "t"})) != 1 {
		t.Fatalf("skipInvalidRows: %v, rows %v", got, mem.Rows(cloud.Table{Project: "p2", Dataset: "ds", Table: "t"}))
	}
	got = clValue(t, nil, `return require('BigQuery').insert({datasetId: '../x', tableId: 't'}, [{}]).then(() => 'resolved', errs => errs[0].reason);`, clBigQueryAll)
	if got != "failed" {
		t.Fatalf("bad dataset: %v", got)
	}
}

func TestBigQueryBadCallsAndPermissions(t *testing.T) {
	clBackends(t, "proj")
	for _, tc := range []struct{ code, frag string }{
		{`require('BigQuery').insert('ds.t', [{}])`, "connectionInfo must be an object"},
		{`require('BigQuery').insert({tableId: 't'}, [{}])`, "needs datasetId and tableId"},
		{`require('BigQuery').insert({datasetId: 'd', tableId: 't'}, {a: 1})`, "rows must be an array"},
	} {
		clErr(t, nil, tc.code, []string{tc.frag}, clBigQueryAll)
	}
	clErr(t, nil, `require('BigQuery').insert({datasetId: 'd', tableId: 't'}, [{}])`, []string{`Permission denied: BigQuery.insert requires permission "access_bigquery"`})
	onlyLogs := clPerm("access_bigquery", map[string]any{"allowedTables": []any{
		map[string]any{"projectId": "GOOGLE_CLOUD_PROJECT", "datasetId": "logs", "tableId": "*", "operation": "write"},
	}})
	clErr(t, nil, `require('BigQuery').insert({datasetId: 'other', tableId: 't'}, [{}])`, []string{"write to table proj.other.t is not among the allowed tables"}, onlyLogs)
	clErr(t, nil, `require('BigQuery').insert({projectId: 'x', datasetId: 'logs', tableId: 't'}, [{}])`, []string{"x.logs.t"}, onlyLogs)
	if got := clValue(t, nil, `return require('BigQuery').insert({datasetId: 'logs', tableId: 'req'}, [{}]).then(() => 'ok');`, onlyLogs); got != "ok" {
		t.Fatalf("allowed insert: %v", got)
	}
}

func TestAccessBigQueryChecker(t *testing.T) {
	clBackends(t, "def")
	check, err := newAccessBigQuery(map[string]any{"allowedTables": []any{
		map[string]any{"projectId": "GOOGLE_CLOUD_PROJECT", "datasetId": "ds", "tableId": "events_*", "operation": "write"},
		map[string]any{"projectId": "*", "datasetId": "open", "tableId": "*"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		op     string
		target map[string]any
		ok     bool
	}{
		{"write", map[string]any{"datasetId": "ds", "tableId": "events_2026"}, true},
		{"write", map[string]any{"projectId": "def", "datasetId": "ds", "tableId": "events_x"}, true},
		{"write", map[string]any{"projectId": "p", "datasetId": "ds", "tableId": "events_x"}, false},
		{"write", map[string]any{"datasetId": "ds", "tableId": "sessions"}, false},
		{"write", map[string]any{"projectId": "anything", "datasetId": "open", "tableId": "t"}, true},
		{"read", map[string]any{"datasetId": "ds", "tableId": "events_1"}, false},
	}
	for _, tc := range tests {
		if err := check(tc.op, tc.target); (err == nil) != tc.ok {
			t.Errorf("check(%s, %v) = %v, want ok=%v", tc.op, tc.target, err, tc.ok)
		}
	}
	if _, err := newAccessBigQuery(map[string]any{"allowedTables": []any{map[string]any{"operation": "drop"}}}); err == nil {
		t.Error("bad operation accepted")
	}
}
