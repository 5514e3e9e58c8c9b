package api

import (
	"testing"
	"time"

	"github.com/tagd-dev/tagd/runtime"
	"github.com/tagd-dev/tagd/sandbox"
	"github.com/tagd-dev/tagd/templates"
)

// BenchmarkSha256Sync hashes ten normalised user-data values per execution through the
// sandbox (JS call, SHA-256, hex string back), as the vendor tags do with customer data.
func BenchmarkSha256Sync(b *testing.B) {
	code := `const sha = require('sha256Sync');
const values = ['jane.doe@example.com', '33612345678', 'jane', 'doe', 'paris', '75001', 'fr', 'f', '19800101', 'ext-42'];
let out = '';
for (let i = 0; i < values.length; i++) {
  out = sha(values[i], {outputEncoding: 'hex'});
}
return out;`
	p := fxProgram(b, "hash", templates.KindMacro, code)
	pool := sandbox.NewPool(sandbox.Limits{CPUBudget: time.Minute})
	run := func() sandbox.Result {
		return pool.Run(fxCtx(b), &sandbox.Execution{Program: p, Name: "hash", Data: map[string]any{}, Env: &runtime.Env{}})
	}
	// sha256sum of "ext-42" (coreutils).
	if res := run(); res.Err != nil || res.Value != "bc5522bb25b5dc5a847d06a11f33dc5addb59d012d78660c780c7319cb85d1f1" {
		b.Fatalf("value %v, %v", res.Value, res.Err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := run(); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}
