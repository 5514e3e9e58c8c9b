package api

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
const fxHMACHex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

func fxKeyFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHmacSha256(t *testing.T) {
	t.Setenv(CredentialsEnv, fxKeyFile(t, `{"keys": {"k1": "SmVmZQ==", "k2": "SmVmZQ"}}`))
	perm := fxPerm{"use_custom_private_keys", map[string]any{"keyIds": []any{"k1", "k2", "k3"}}}
	res := fxEval(t, nil, `const h = require('hmacSha256');
const d = 'what do ya want for nothing?';
return [h(d, 'k1', {outputEncoding: 'hex'}), h(d, 'k1', {outputEncoding: 'base64'}), h(d, 'k1'), h(d, 'k2', {outputEncoding: 'hex'})];`, perm)
	want := []any{fxHMACHex, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=", "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM", fxHMACHex}
	if diff := cmp.Diff(want, res.Value); res.Err != nil || diff != "" {
		t.Fatalf("err %v (-want +got):\n%s", res.Err, diff)
	}

	tests := []struct {
		name string
		code string
		frag []string
	}{
		{"key id not allowed", "require('hmacSha256')('x', 'k4');", []string{"Permission denied", `key id "k4" is not among`}},
		{"key id not in the file", "require('hmacSha256')('x', 'k3');", []string{`key id "k3" is not in`}},
		{"bad encoding", "require('hmacSha256')('x', 'k1', {outputEncoding: 'b32'});", []string{`unknown outputEncoding "b32"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fxWantErr(t, fxEval(t, nil, tc.code, perm).Err, tc.frag...)
		})
	}
}

func TestHmacSha256KeyFileErrors(t *testing.T) {
	perm := fxPerm{"use_custom_private_keys", map[string]any{"keyIds": []any{"k1"}}}
	tests := []struct {
		name string
		path string
		frag []string
	}{
		{"unset", "", []string{CredentialsEnv + " is not set"}},
		{"missing file", filepath.Join(t.TempDir(), "none.json"), []string{"reading key file"}},
		{"bad json", fxKeyFile(t, "{\"keys\": {\n  \"k1\": \"SmVmZQ==\",\n}}"), []string{"keys.json:3:"}},
		{"no keys object", fxKeyFile(t, `{"other": 1}`), []string{`no "keys" object`}},
		{"bad base64", fxKeyFile(t, `{"keys": {"k1": "*not base64*"}}`), []string{`key "k1" is not base64`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(CredentialsEnv, tc.path)
			fxWantErr(t, fxEval(t, nil, "require('hmacSha256')('x', 'k1');", perm).Err, append([]string{"hmacSha256: "}, tc.frag...)...)
		})
	}
}

func TestHmacKeyFileReload(t *testing.T) {
	p := fxKeyFile(t, `{"keys": {"k1": "SmVmZQ=="}}`)
	var kf keyFile
	k, err := kf.key(p, "k1")
	if err != nil || string(k) != "Jefe" {
		t.Fatalf("first read: %q, %v", k, err)
	}
	if err := os.WriteFile(p, []byte(`{"keys": {"k1": "b3RoZXIga2V5"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err = kf.key(p, "k1")
	if err != nil || string(k) != "other key" {
		t.Fatalf("after rewrite: %q, %v", k, err)
	}
}
