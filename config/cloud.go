package config

import "fmt"

// Cloud is the [cloud] table: where the Firestore, BigQuery and Google-auth APIs go.
// By default Firestore documents live in an embedded store and BigQuery rows are appended
// as JSON lines, both under server.data_dir; "rest" talks to Google's REST endpoints with
// service-account credentials.
type Cloud struct {
	Project      string `json:"project"`       // default project; "" = $GOOGLE_CLOUD_PROJECT or the key file's
	Firestore    string `json:"firestore"`     // embedded | memory | rest
	FirestoreURL string `json:"firestore_url"` // REST base URL override
	BigQuery     string `json:"bigquery"`      // jsonl | memory | rest
	BigQueryURL  string `json:"bigquery_url"`  // REST base URL override
	Credentials  string `json:"credentials"`   // service-account key file; "" = $GOOGLE_APPLICATION_CREDENTIALS
	TokenURL     string `json:"token_url"`     // OAuth token endpoint override
}

func (d *decoder) cloud(t *table, c *Cloud) {
	t.str("project", &c.Project, true)
	t.str("firestore", &c.Firestore, true)
	t.str("firestore_url", &c.FirestoreURL, true)
	t.str("bigquery", &c.BigQuery, true)
	t.str("bigquery_url", &c.BigQueryURL, true)
	t.str("credentials", &c.Credentials, true)
	t.str("token_url", &c.TokenURL, true)
}

// validate returns problems by key.
func (c Cloud) validate() map[string]error {
	errs := map[string]error{}
	switch c.Firestore {
	case "", "embedded", "memory", "rest":
	default:
		errs["firestore"] = fmt.Errorf("%q is not one of embedded, memory, rest", c.Firestore)
	}
	switch c.BigQuery {
	case "", "jsonl", "memory", "rest":
	default:
		errs["bigquery"] = fmt.Errorf("%q is not one of jsonl, memory, rest", c.BigQuery)
	}
	return errs
}
