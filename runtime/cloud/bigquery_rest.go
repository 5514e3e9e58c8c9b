package cloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// DefaultBigQueryURL is the BigQuery v2 REST endpoint; BigQueryScope the OAuth scope the
// REST client asks for.
const (
	DefaultBigQueryURL = "https://bigquery.googleapis.com/bigquery/v2"
	BigQueryScope      = "https://www.googleapis.com/auth/bigquery.insertdata"
)

// RESTBigQuery streams rows with tabledata.insertAll.
type RESTBigQuery struct {
	rc      restClient
	baseURL string
}

// NewRESTBigQuery returns a client for baseURL ("" = DefaultBigQueryURL) that
// authenticates with tokens (nil: no Authorization header).
func NewRESTBigQuery(baseURL string, client *http.Client, tokens TokenSource) *RESTBigQuery {
	if baseURL == "" {
		baseURL = DefaultBigQueryURL
	}
	return &RESTBigQuery{rc: restClient{service: "bigquery", client: client, tokens: tokens}, baseURL: strings.TrimSuffix(baseURL, "/")}
}

// Close implements BigQuery.
func (b *RESTBigQuery) Close() error { return nil }

// Insert implements BigQuery. Rows that are not objects never reach the service; the
// service's per-row insertErrors come back as *InsertError with indexes into rows.
func (b *RESTBigQuery) Insert(ctx context.Context, t Table, rows []any, opts InsertOptions) error {
	c, err := checkRows(t, rows, opts)
	if err != nil {
		return err
	}
	if len(c.objs) == 0 {
		return c.result(t)
	}
	reqRows := make([]any, len(c.objs))
	for i, o := range c.objs {
		reqRows[i] = map[string]any{"json": o}
	}
	body := map[string]any{
		"kind":                "bigquery#tableDataInsertAllRequest",
		"skipInvalidRows":     opts.SkipInvalidRows,
		"ignoreUnknownValues": opts.IgnoreUnknownValues,
		"rows":                reqRows,
	}
	target := fmt.Sprintf("%s/projects/%s/datasets/%s/tables/%s/insertAll", b.baseURL,
		url.PathEscape(t.Project), url.PathEscape(t.Dataset), url.PathEscape(t.Table))
	var resp struct {
		InsertErrors []struct {
			Index  int `json:"index"`
			Errors []struct {
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"errors"`
		} `json:"insertErrors"`
	}
	if err := b.rc.do(ctx, http.MethodPost, target, body, &resp); err != nil {
		return fmt.Errorf("bigquery insert into %s: %w", t, err)
	}
	for _, ie := range resp.InsertErrors {
		if ie.Index < 0 || ie.Index >= len(c.index) {
			continue
		}
		re := RowError{Index: c.index[ie.Index], Reason: "invalid", Row: c.objs[ie.Index]}
		if len(ie.Errors) > 0 {
			re.Reason, re.Message = ie.Errors[0].Reason, ie.Errors[0].Message
		}
		c.errs = append(c.errs, re)
	}
	return c.result(t)
}
