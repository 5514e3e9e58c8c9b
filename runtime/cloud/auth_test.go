package cloud

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
)

func rsaKey(t testing.TB) *rsa.PrivateKey {
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// keyJSON renders a service-account key file for key.
func keyJSON(t testing.TB, key *rsa.PrivateKey, tokenURI string) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	b, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "key-project", "private_key_id": "kid-1",
		"private_key": string(pemKey), "client_email": "tagd@key-project.iam.gserviceaccount.com",
		"token_uri": tokenURI,
	})
	return b
}

// tokenServer is a fake OAuth token endpoint that checks the JWT bearer grant with the
// public key and hands out numbered tokens.
type tokenServer struct {
	t      *testing.T
	pub    *rsa.PublicKey
	aud    string
	life   int
	calls  atomic.Int32
	scopes atomic.Value // last scope claim
	fail   atomic.Bool
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.calls.Add(1)
	if s.fail.Load() {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`))
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		s.t.Errorf("bad grant: %v %v", err, r.PostForm)
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		s.t.Errorf("assertion has %d parts", len(parts))
		w.WriteHeader(400)
		return
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(s.pub, crypto.SHA256, sum[:], sig); err != nil {
		s.t.Errorf("JWT signature: %v", err)
	}
	var hdr map[string]string
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	_ = json.Unmarshal(hb, &hdr)
	if hdr["alg"] != "RS256" || hdr["typ"] != "JWT" || hdr["kid"] != "kid-1" {
		s.t.Errorf("JWT header %v", hdr)
	}
	var claims map[string]any
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(cb, &claims)
	if claims["iss"] != "tagd@key-project.iam.gserviceaccount.com" || claims["aud"] != s.aud {
		s.t.Errorf("JWT claims %v", claims)
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 3600 {
		s.t.Errorf("JWT lifetime %v", exp-iat)
	}
	s.scopes.Store(claims["scope"])
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"tok-%d","expires_in":%d,"token_type":"Bearer"}`, n, s.life)
}

func newTokenServer(t *testing.T) (*tokenServer, *httptest.Server) {
	ts := &tokenServer{t: t, pub: &rsaKey(t).PublicKey, life: 3600}
	srv := httptest.NewServer(ts)
	t.Cleanup(srv.Close)
	ts.aud = srv.URL + "/token"
	return ts, srv
}

func TestTokenProvider(t *testing.T) {
	ts, srv := newTokenServer(t)
	sa, err := ParseServiceAccount(keyJSON(t, rsaKey(t), srv.URL+"/token"))
	must(t, err)
	now := time.Unix(1_800_000_000, 0)
	p := NewTokenProvider(sa, "", srv.Client())
	p.Now = func() time.Time { return now }
	ctx := context.Background()

	if _, ok := p.Cached([]string{"s1"}); ok {
		t.Fatal("Cached before any exchange")
	}
	tok, err := p.Token(ctx, []string{"s2", "s1", "s1", " "})
	must(t, err)
	if tok.AccessToken != "tok-1" || !tok.Expiry.Equal(now.Add(time.Hour)) {
		t.Fatalf("token = %+v", tok)
	}
	if ts.scopes.Load() != "s1 s2" {
		t.Fatalf("scope claim = %v, want sorted unique scopes", ts.scopes.Load())
	}
	// Same scope set in any order: cached.
	tok, err = p.Token(ctx, []string{"s1", "s2"})
	must(t, err)
	if c, ok := p.Cached([]string{"s2", "s1"}); tok.AccessToken != "tok-1" || !ok || c.AccessToken != "tok-1" || ts.calls.Load() != 1 {
		t.Fatalf("cache miss: %v %v %v calls=%d", tok, c, ok, ts.calls.Load())
	}
	// Another scope set: its own token.
	tok, err = p.Token(ctx, []string{"other"})
	must(t, err)
	if tok.AccessToken != "tok-2" {
		t.Fatalf("other scopes got %v", tok)
	}
	// Expired: a new exchange.
	now = now.Add(time.Hour)
	tok, err = p.Token(ctx, []string{"s1", "s2"})
	must(t, err)
	if tok.AccessToken != "tok-3" {
		t.Fatalf("after expiry got %v", tok)
	}
	if _, err := p.Token(ctx, nil); err == nil {
		t.Fatal("empty scopes accepted")
	}
}

func TestTokenProviderBackgroundRefresh(t *testing.T) {
	ts, srv := newTokenServer(t)
	sa, err := ParseServiceAccount(keyJSON(t, rsaKey(t), srv.URL+"/token"))
	must(t, err)
	var mu sync.Mutex
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	p := NewTokenProvider(sa, "", srv.Client())
	p.Now = clock
	ctx := context.Background()
	_, err = p.Token(ctx, []string{"s"})
	must(t, err)
	mu.Lock()
	now = now.Add(57 * time.Minute) // 3 minutes left: still served, refreshed behind
	mu.Unlock()
	tok, ok := p.Cached([]string{"s"})
	if !ok || tok.AccessToken != "tok-1" {
		t.Fatalf("Cached in refresh window = %v %v", tok, ok)
	}
	// Wait (bounded by the test timeout) for the background exchange to land.
	for {
		if tok, _ := p.Cached([]string{"s"}); tok.AccessToken == "tok-2" {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if ts.calls.Load() != 2 {
		t.Fatalf("%d exchanges, want 2", ts.calls.Load())
	}
}

func TestTokenProviderErrors(t *testing.T) {
	ts, srv := newTokenServer(t)
	sa, err := ParseServiceAccount(keyJSON(t, rsaKey(t), "https://oauth2.googleapis.com/token"))
	must(t, err)
	// TokenURL overrides where we post, but the audience stays the key's token_uri.
	ts.aud = "https://oauth2.googleapis.com/token"
	p := NewTokenProvider(sa, srv.URL+"/token", srv.Client())
	tok, err := p.Token(context.Background(), []string{"s"})
	must(t, err)
	if tok.AccessToken != "tok-1" {
		t.Fatalf("token %v", tok)
	}
	ts.fail.Store(true)
	_, err = p.Token(context.Background(), []string{"x"})
	if err == nil || !strings.Contains(err.Error(), "HTTP 400: invalid_grant: Invalid JWT Signature.") {
		t.Fatalf("err = %v", err)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"token_type":"Bearer"}`)) }))
	defer bad.Close()
	p = NewTokenProvider(sa, bad.URL, bad.Client())
	if _, err := p.Token(context.Background(), []string{"s"}); err == nil || !strings.Contains(err.Error(), "no access_token") {
		t.Fatalf("err = %v", err)
	}
	if _, err := (&TokenProvider{}).Token(context.Background(), []string{"s"}); err == nil || !strings.Contains(err.Error(), "GOOGLE_APPLICATION_CREDENTIALS") {
		t.Fatalf("no account: err = %v", err)
	}
}

func TestParseServiceAccount(t *testing.T) {
	good := keyJSON(t, rsaKey(t), "")
	sa, err := ParseServiceAccount(good)
	must(t, err)
	if sa.TokenURI != DefaultTokenURI || sa.ProjectID != "key-project" || sa.PrivateKeyID != "kid-1" {
		t.Fatalf("parsed %+v", sa)
	}
	der := x509.MarshalPKCS1PrivateKey(rsaKey(t))
	k1, _ := json.Marshal(map[string]string{"client_email": "a@b", "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der}))})
	if _, err := ParseServiceAccount(k1); err != nil {
		t.Fatalf("PKCS#1 key: %v", err)
	}
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{`, "unexpected end"},
		{"user creds", `{"type":"authorized_user"}`, `type "authorized_user" are not supported`},
		{"no email", `{"type":"service_account","private_key":"x"}`, "client_email is missing"},
		{"no key", `{"client_email":"a@b"}`, "private_key is missing"},
		{"bad pem", `{"client_email":"a@b","private_key":"garbage"}`, "no PEM block"},
		{"bad der", `{"client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`, "neither"},
		{"bad token uri", string(keyJSON(t, rsaKey(t), "ftp://x")), "not an http(s) URL"},
	}
	for _, tc := range tests {
		_, err := ParseServiceAccount([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadServiceAccountErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key.json")
	must(t, os.WriteFile(p, []byte("{\n  \"type\": \"service_account\",\n  oops\n}"), 0o600))
	_, err := LoadServiceAccount(p)
	if err == nil || !strings.Contains(err.Error(), p+":3:3:") {
		t.Fatalf("err = %v, want %s:3:3", err, p)
	}
	if _, err := LoadServiceAccount(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParseServiceAccount(f *testing.F) {
	f.Add(keyJSON(f, rsaKey(f), ""))
	f.Add([]byte(`{"client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`))
	f.Add([]byte(`{"type":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		sa, err := ParseServiceAccount(b)
		if err != nil {
			return
		}
		if sa.ClientEmail == "" || sa.key == nil || sa.TokenURI == "" {
			t.Fatalf("accepted an incomplete key: %+v", sa)
		}
	})
}
