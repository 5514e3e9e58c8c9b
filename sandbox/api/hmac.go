package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/tagd-dev/tagd/sandbox"
)

// CredentialsEnv names the environment variable holding the path of the JSON key file
// for hmacSha256: {"keys": {"<keyId>": "<base64 key>"}}.
const CredentialsEnv = "SGTM_CREDENTIALS"

func init() {
	sandbox.RegisterPermission("use_custom_private_keys", func(p map[string]any) (sandbox.Checker, error) {
		ids := map[string]bool{}
		for _, id := range sandbox.ParamStrings(p, "keyIds", "") {
			ids[id] = true
		}
		return func(args ...any) error {
			id, _ := firstString(args)
			if ids[id] {
				return nil
			}
			return fmt.Errorf("key id %q is not among the allowed key ids", id)
		}, nil
	})
	register("hmacSha256", "use_custom_private_keys", func(vu *sandbox.VU, c goja.FunctionCall) goja.Value {
		data, keyID := jsString(c.Argument(0)), jsString(c.Argument(1))
		vu.MustCheck("hmacSha256", "use_custom_private_keys", keyID)
		enc := "base64url"
		if o, ok := c.Argument(2).(*goja.Object); ok {
			if v := o.Get("outputEncoding"); !isNullish(v) {
				enc = v.String()
			}
		}
		key, err := credentials.key(os.Getenv(CredentialsEnv), keyID)
		if err != nil {
			vu.Throwf("hmacSha256: %v", err)
		}
		out, err := hmacSHA256(data, key, enc)
		if err != nil {
			vu.Throwf("hmacSha256: %v", err)
		}
		return vu.Runtime().ToValue(out)
	})
}

func hmacSHA256(data string, key []byte, enc string) (string, error) {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	sum := m.Sum(nil)
	switch enc {
	case "base64url":
		// Node's "base64url" (sGTM runs on Node) has no padding.
		return base64.RawURLEncoding.EncodeToString(sum), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(sum), nil
	case "hex":
		return hex.EncodeToString(sum), nil
	}
	return "", fmt.Errorf("unknown outputEncoding %q (want base64url, base64 or hex)", enc)
}

// keyFile caches the parsed key file; it is re-read when its path, size or modification
// time changes, so rotated keys are picked up without a restart.
type keyFile struct {
	mu    sync.Mutex
	path  string
	mod   time.Time
	size  int64
	keys  map[string][]byte
	err   error
	valid bool
}

var credentials keyFile

var errNoCredentials = errors.New(CredentialsEnv + " is not set: it must name a JSON key file {\"keys\": {\"<keyId>\": \"<base64 key>\"}}")

func (k *keyFile) key(path, id string) ([]byte, error) {
	if path == "" {
		return nil, errNoCredentials
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading key file: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.valid || k.path != path || !k.mod.Equal(st.ModTime()) || k.size != st.Size() {
		k.path, k.mod, k.size, k.valid = path, st.ModTime(), st.Size(), true
		k.keys, k.err = readKeyFile(path)
	}
	if k.err != nil {
		return nil, k.err
	}
	key, ok := k.keys[id]
	if !ok {
		return nil, fmt.Errorf("key id %q is not in %s", id, path)
	}
	return key, nil
}

func readKeyFile(path string) (map[string][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading key file: %w", err)
	}
	var f struct {
		Keys map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, jsonErrorLine(b, err), err)
	}
	if f.Keys == nil {
		return nil, fmt.Errorf("%s: no \"keys\" object", path)
	}
	out := make(map[string][]byte, len(f.Keys))
	for id, v := range f.Keys {
		v = strings.TrimSpace(v)
		var key []byte
		var derr error
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if key, derr = enc.DecodeString(v); derr == nil {
				break
			}
		}
		if derr != nil {
			return nil, fmt.Errorf("%s: key %q is not base64: %w", path, id, derr)
		}
		out[id] = key
	}
	return out, nil
}

// jsonErrorLine is the 1-based line of a JSON decoding error (1 when unknown).
func jsonErrorLine(b []byte, err error) int {
	var off int64
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	default:
		return 1
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	return 1 + strings.Count(string(b[:off]), "\n")
}
