package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/runtime/cloud"
	"github.com/tagd-dev/tagd/sandbox"
)

// BigQuery.insert over cloud.Default().BigQuery. It resolves with nothing on success and
// rejects with a list of {reason, message?, row?} objects, one per rejected row (or one
// for a failure of the whole request), as sGTM documents.

func init() {
	sandbox.RegisterPermission("access_bigquery", newAccessBigQuery)
	sandbox.Register(sandbox.API{Name: "BigQuery", Permission: "access_bigquery", New: newBigQueryAPI})
}

type bqPermEntry struct{ project, dataset, table, op string }

// newAccessBigQuery compiles allowedTables [{projectId, datasetId, tableId, operation}].
// Checker arguments: ("write", {projectId?, datasetId, tableId}).
func newAccessBigQuery(p map[string]any) (sandbox.Checker, error) {
	var entries []bqPermEntry
	for i, it := range sandbox.ParamList(p, "allowedTables") {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("allowedTables[%d] is not a map", i)
		}
		e := bqPermEntry{project: gcStr(m["projectId"]), dataset: gcStr(m["datasetId"]), table: gcStr(m["tableId"]), op: gcStr(m["operation"])}
		switch e.op {
		case "":
			e.op = "write"
		case "write", "read", "read_write":
		default:
			return nil, fmt.Errorf("allowedTables[%d]: operation %q is not write", i, e.op)
		}
		entries = append(entries, e)
	}
	return func(args ...any) error {
		op, target := "", map[string]any(nil)
		if len(args) > 0 {
			op, _ = args[0].(string)
		}
		if len(args) > 1 {
			target, _ = args[1].(map[string]any)
		}
		project, dataset, table := gcStr(target["projectId"]), gcStr(target["datasetId"]), gcStr(target["tableId"])
		for _, e := range entries {
			if gcOpMatches(e.op, op) && gcProjectMatches(e.project, project) && gcGlob(e.dataset, dataset) && gcGlob(e.table, table) {
				return nil
			}
		}
		if project == "" {
			project = cloud.Default().Project
		}
		return fmt.Errorf("%s to table %s.%s.%s is not among the allowed tables", op, project, dataset, table)
	}, nil
}

func newBigQueryAPI(vu *sandbox.VU) goja.Value {
	o := vu.Runtime().NewObject()
	_ = o.Set("insert", func(c goja.FunctionCall) goja.Value { return bqInsert(vu, c) })
	return freeze(vu, o)
}

func bqInsert(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
	const api = "BigQuery.insert"
	conn, ok := sandbox.FromJS(c.Argument(0)).(map[string]any)
	if !ok {
		vu.Throwf("%s: connectionInfo must be an object {projectId?, datasetId, tableId}", api)
	}
	t := cloud.Table{Project: cloud.Default().ResolveProject(gcStr(conn["projectId"])), Dataset: gcStr(conn["datasetId"]), Table: gcStr(conn["tableId"])}
	if t.Dataset == "" || t.Table == "" {
		vu.Throwf("%s: connectionInfo needs datasetId and tableId strings", api)
	}
	if t.Project == "" {
		vu.Throwf("%s: no projectId given and no default project (GOOGLE_CLOUD_PROJECT) configured", api)
	}
	rows, ok := sandbox.FromJS(c.Argument(1)).([]any)
	if !ok {
		vu.Throwf("%s: rows must be an array of objects", api)
	}
	opts, _ := sandbox.FromJS(c.Argument(2)).(map[string]any)
	iopts := cloud.InsertOptions{}
	iopts.IgnoreUnknownValues, _ = opts["ignoreUnknownValues"].(bool)
	iopts.SkipInvalidRows, _ = opts["skipInvalidRows"].(bool)
	vu.MustCheck(api, "access_bigquery", "write", map[string]any{"projectId": t.Project, "datasetId": t.Dataset, "tableId": t.Table})
	bq := cloud.Default().BigQuery
	return gcAsync(vu, api, func(ctx context.Context) (any, error) {
		return nil, bq.Insert(ctx, t, rows, iopts)
	}, bqRejection, nil)
}

// bqRejection renders an insert failure as sGTM's list of row errors.
func bqRejection(err error) any {
	var ie *cloud.InsertError
	if !errors.As(err, &ie) {
		return []any{gcReason(err)}
	}
	out := make([]any, 0, len(ie.Rows))
	for _, r := range ie.Rows {
		e := map[string]any{"reason": r.Reason, "index": r.Index}
		if r.Message != "" {
			e["message"] = r.Message
		}
		if r.Row != nil {
			e["row"] = r.Row
		}
		out = append(out, e)
	}
	return out
}
