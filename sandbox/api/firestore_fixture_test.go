package api

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/runtime/cloud"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

// Fixtures for the Google-service API tests (Firestore, BigQuery, getGoogleAuth,
// getGoogleScript, sendEventToGoogleAnalytics). Names carry a cl prefix so they cannot
// clash with other test helpers of the package.

// clPerm is one declared permission.
func clPerm(id string, params map[string]any) templates.Permission {
	if params == nil {
		params = map[string]any{}
	}
	return templates.Permission{ID: id, Params: params, Required: true}
}

var (
	clFirestoreAll = clPerm("access_firestore", map[string]any{"allowedOptions": []any{
		map[string]any{"projectId": "*", "path": "*", "operation": "read_write", "databaseId": "*"},
	}})
	clBigQueryAll = clPerm("access_bigquery", map[string]any{"allowedTables": []any{
		map[string]any{"projectId": "*", "datasetId": "*", "tableId": "*", "operation": "write"},
	}})
	clGoogleHTTP = clPerm("send_http", map[string]any{"allowedUrls": "specific", "allowGoogleDomains": true})
)

// clEval runs code as a variable template (so a returned promise is awaited) and returns
// its value or error.
func clEval(t *testing.T, env *runtime.Env, code string, perms ...templates.Permission) sandbox.Result {
	t.Helper()
	tpl := &templates.Template{Path: "cl.tpl", Info: templates.Info{Type: templates.KindMacro, DisplayName: "cl"}, Code: code, CodeLine: 1, Permissions: perms}
	prog, err := sandbox.Compile(tpl)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ex := &sandbox.Execution{Program: prog, Name: "cl", Data: map[string]any{}, Env: env}
	return sandbox.NewVU(sandbox.Limits{CPUBudget: 5 * time.Second}).Execute(ctx, ex)
}

// clValue runs code and fails on an error.
func clValue(t *testing.T, env *runtime.Env, code string, perms ...templates.Permission) any {
	t.Helper()
	res := clEval(t, env, code, perms...)
	if res.Err != nil {
		t.Fatalf("unexpected error: %v\ncode: %s", res.Err, code)
	}
	return res.Value
}

// clErr runs code and returns the error it must end with.
func clErr(t *testing.T, env *runtime.Env, code string, frags []string, perms ...templates.Permission) {
	t.Helper()
	res := clEval(t, env, code, perms...)
	if res.Err == nil {
		t.Fatalf("want an error containing %q, got value %v", frags, res.Value)
	}
	for _, f := range frags {
		if !strings.Contains(res.Err.Error(), f) {
			t.Fatalf("error %q does not contain %q", res.Err, f)
		}
	}
}

// clBackends installs fresh in-memory backends for the test.
func clBackends(t *testing.T, project string) *cloud.Backends {
	t.Helper()
	b := cloud.NewMemory(project)
	prev := cloud.SetDefault(b)
	t.Cleanup(func() { cloud.SetDefault(prev) })
	return b
}

// clCountingFS counts backend calls and can fail commits with a conflict.
type clCountingFS struct {
	cloud.Firestore
	mu        sync.Mutex
	gets      int
	queries   int
	rollbacks int
	conflicts int // commits left to fail
	commits   int
}

func (c *clCountingFS) Get(ctx context.Context, r cloud.Ref, tx string) (*cloud.Doc, error) {
	c.mu.Lock()
	c.gets++
	c.mu.Unlock()
	return c.Firestore.Get(ctx, r, tx)
}

func (c *clCountingFS) Query(ctx context.Context, q cloud.Query, tx string) ([]cloud.Doc, error) {
	c.mu.Lock()
	c.queries++
	c.mu.Unlock()
	return c.Firestore.Query(ctx, q, tx)
}

func (c *clCountingFS) Commit(ctx context.Context, tx string) ([]string, error) {
	c.mu.Lock()
	c.commits++
	fail := c.conflicts > 0
	if fail {
		c.conflicts--
	}
	c.mu.Unlock()
	if fail {
		_ = c.Firestore.Rollback(ctx, tx)
		return nil, cloud.ErrConflict
	}
	return c.Firestore.Commit(ctx, tx)
}

func (c *clCountingFS) Rollback(ctx context.Context, tx string) error {
	c.mu.Lock()
	c.rollbacks++
	c.mu.Unlock()
	return c.Firestore.Rollback(ctx, tx)
}

func (c *clCountingFS) counts() (gets, queries, commits, rollbacks int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gets, c.queries, c.commits, c.rollbacks
}

// clServiceAccount returns a parsed key for a fresh RSA key, with its token_uri.
func clServiceAccount(t *testing.T, tokenURI string) (*cloud.ServiceAccount, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "client_email": "tagd@p.iam.gserviceaccount.com", "private_key_id": "k1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "token_uri": tokenURI,
	})
	sa, err := cloud.ParseServiceAccount(b)
	if err != nil {
		t.Fatal(err)
	}
	return sa, key
}
