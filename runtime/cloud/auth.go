package cloud

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultTokenURI is Google's OAuth token endpoint.
const DefaultTokenURI = "https://oauth2.googleapis.com/token"

// Token lifetimes: we ask for an hour, refresh in the background during the last five
// minutes, and never hand out a token with less than a minute left.
const (
	jwtLifetime    = time.Hour
	refreshAhead   = 5 * time.Minute
	minTokenLife   = time.Minute
	maxTokenBody   = 1 << 20
	refreshTimeout = 30 * time.Second
)

// ServiceAccount is a parsed service-account key file (the JSON that
// GOOGLE_APPLICATION_CREDENTIALS names).
type ServiceAccount struct {
	ClientEmail  string
	PrivateKeyID string
	ProjectID    string
	TokenURI     string
	key          *rsa.PrivateKey
}

type serviceAccountJSON struct {
	Type         string `json:"type"`
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// LoadServiceAccount reads and parses a key file; errors name the file (and line:column
// for JSON syntax errors).
func LoadServiceAccount(path string) (*ServiceAccount, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	sa, err := ParseServiceAccount(b)
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the offending byte; point at it.
			line, col := lineCol(b, se.Offset-1)
			return nil, fmt.Errorf("%s:%d:%d: %w", path, line, col, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sa, nil
}

func lineCol(b []byte, off int64) (int, int) {
	off = max(0, min(off, int64(len(b))))
	before := b[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// ParseServiceAccount parses a service-account key file.
func ParseServiceAccount(data []byte) (*ServiceAccount, error) {
	var j serviceAccountJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("service account key: %w", err)
	}
	if j.Type != "" && j.Type != "service_account" {
		return nil, fmt.Errorf("service account key: credentials of type %q are not supported (only service_account)", j.Type)
	}
	if j.ClientEmail == "" {
		return nil, errors.New("service account key: client_email is missing")
	}
	if j.PrivateKey == "" {
		return nil, errors.New("service account key: private_key is missing")
	}
	key, err := parseRSAKey([]byte(j.PrivateKey))
	if err != nil {
		return nil, fmt.Errorf("service account key: private_key: %w", err)
	}
	sa := &ServiceAccount{ClientEmail: j.ClientEmail, PrivateKeyID: j.PrivateKeyID, ProjectID: j.ProjectID, TokenURI: j.TokenURI, key: key}
	if sa.TokenURI == "" {
		sa.TokenURI = DefaultTokenURI
	}
	if u, err := url.Parse(sa.TokenURI); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("service account key: token_uri %q is not an http(s) URL", sa.TokenURI)
	}
	return sa, nil
}

func parseRSAKey(b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key is %T, not RSA", k)
		}
		return rk, nil
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("neither a PKCS#8 nor a PKCS#1 RSA key")
	}
	return k, nil
}

// signJWT builds the RS256-signed assertion of the OAuth 2.0 JWT bearer grant (RFC 7523).
func (sa *ServiceAccount) signJWT(scopes []string, now time.Time) (string, error) {
	header := map[string]string{"alg": "RS256", "typ": "JWT"}
	if sa.PrivateKeyID != "" {
		header["kid"] = sa.PrivateKeyID
	}
	claims := map[string]any{
		"iss":   sa.ClientEmail,
		"scope": strings.Join(scopes, " "),
		"aud":   sa.TokenURI,
		"iat":   now.Unix(),
		"exp":   now.Add(jwtLifetime).Unix(),
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(hb) + "." + enc.EncodeToString(cb)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(nil, sa.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign JWT: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// Token is an OAuth access token.
type Token struct {
	AccessToken string
	Expiry      time.Time
}

// TokenSource yields a valid access token for one fixed set of scopes.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// StaticToken is a fixed token (development and tests).
type StaticToken string

// Token implements TokenSource.
func (s StaticToken) Token(context.Context) (string, error) { return string(s), nil }

// TokenProvider exchanges signed JWTs for access tokens and caches them per scope set
// until shortly before they expire. Concurrent callers for the same scopes share one
// exchange.
type TokenProvider struct {
	Account  *ServiceAccount
	TokenURL string       // where to POST; "" uses Account.TokenURI
	Client   *http.Client // nil: a client with a 30 s timeout
	Logger   *slog.Logger
	Now      func() time.Time

	mu    sync.Mutex
	cache map[string]*tokenEntry
}

type tokenEntry struct {
	mu         sync.Mutex // held during a synchronous exchange
	tok        Token
	refreshing bool
}

// NewTokenProvider returns a provider for sa.
func NewTokenProvider(sa *ServiceAccount, tokenURL string, client *http.Client) *TokenProvider {
	return &TokenProvider{Account: sa, TokenURL: tokenURL, Client: client}
}

func (p *TokenProvider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func normScopes(scopes []string) []string {
	out := make([]string, 0, len(scopes))
	seen := map[string]bool{}
	for _, s := range scopes {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Cached returns a cached token for the scopes that is valid for at least a minute. It
// never waits: no network call, and no waiting for an exchange in progress.
func (p *TokenProvider) Cached(scopes []string) (Token, bool) {
	scopes = normScopes(scopes)
	e := p.entry(strings.Join(scopes, " "))
	if !e.mu.TryLock() {
		return Token{}, false
	}
	defer e.mu.Unlock()
	if e.tok.AccessToken != "" && e.tok.Expiry.Sub(p.now()) >= minTokenLife {
		p.maybeRefresh(e, scopes)
		return e.tok, true
	}
	return Token{}, false
}

func (p *TokenProvider) entry(key string) *tokenEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cache == nil {
		p.cache = map[string]*tokenEntry{}
	}
	e, ok := p.cache[key]
	if !ok {
		e = &tokenEntry{}
		p.cache[key] = e
	}
	return e
}

// Token returns a token for the scopes, exchanging a new JWT when none is cached or the
// cached one is about to expire. During the last minutes of a token's life it is still
// returned while a background exchange replaces it.
func (p *TokenProvider) Token(ctx context.Context, scopes []string) (Token, error) {
	scopes = normScopes(scopes)
	if len(scopes) == 0 {
		return Token{}, errors.New("no OAuth scopes requested")
	}
	e := p.entry(strings.Join(scopes, " "))
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tok.AccessToken != "" && e.tok.Expiry.Sub(p.now()) >= minTokenLife {
		p.maybeRefresh(e, scopes)
		return e.tok, nil
	}
	tok, err := p.exchange(ctx, scopes)
	if err != nil {
		return Token{}, err
	}
	e.tok = tok
	return tok, nil
}

// maybeRefresh starts one background exchange when the token enters its last minutes.
// Called with e.mu held.
func (p *TokenProvider) maybeRefresh(e *tokenEntry, scopes []string) {
	if e.refreshing || e.tok.Expiry.Sub(p.now()) >= refreshAhead {
		return
	}
	e.refreshing = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
		defer cancel()
		tok, err := p.exchange(ctx, scopes)
		e.mu.Lock()
		defer e.mu.Unlock()
		e.refreshing = false
		if err != nil {
			p.logger().Warn("background OAuth token refresh failed", "scopes", scopes, "error", err)
			return
		}
		e.tok = tok
	}()
}

func (p *TokenProvider) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.Default()
}

type tokenResponse struct {
	AccessToken string  `json:"access_token"`
	ExpiresIn   float64 `json:"expires_in"`
	TokenType   string  `json:"token_type"`
	Error       string  `json:"error"`
	Description string  `json:"error_description"`
}

func (p *TokenProvider) exchange(ctx context.Context, scopes []string) (Token, error) {
	if p.Account == nil {
		return Token{}, errors.New("no service account configured (set GOOGLE_APPLICATION_CREDENTIALS)")
	}
	now := p.now()
	assertion, err := p.Account.signJWT(scopes, now)
	if err != nil {
		return Token{}, err
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {assertion}}
	target := p.TokenURL
	if target == "" {
		target = p.Account.TokenURI
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: refreshTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("token request to %s: %w", target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody))
	if err != nil {
		return Token{}, fmt.Errorf("token response from %s: %w", target, err)
	}
	var tr tokenResponse
	jerr := json.Unmarshal(body, &tr)
	if resp.StatusCode != http.StatusOK {
		if jerr == nil && tr.Error != "" {
			return Token{}, fmt.Errorf("token endpoint %s: HTTP %d: %s: %s", target, resp.StatusCode, tr.Error, tr.Description)
		}
		return Token{}, fmt.Errorf("token endpoint %s: HTTP %d", target, resp.StatusCode)
	}
	if jerr != nil {
		return Token{}, fmt.Errorf("token response from %s: %w", target, jerr)
	}
	if tr.AccessToken == "" {
		return Token{}, fmt.Errorf("token response from %s has no access_token", target)
	}
	life := time.Duration(tr.ExpiresIn * float64(time.Second))
	if life <= 0 {
		life = jwtLifetime
	}
	return Token{AccessToken: tr.AccessToken, Expiry: now.Add(life)}, nil
}

// Source returns a TokenSource for fixed scopes.
func (p *TokenProvider) Source(scopes ...string) TokenSource {
	return providerSource{p: p, scopes: scopes}
}

type providerSource struct {
	p      *TokenProvider
	scopes []string
}

func (s providerSource) Token(ctx context.Context) (string, error) {
	t, err := s.p.Token(ctx, s.scopes)
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}
