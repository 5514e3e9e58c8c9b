package cloud

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// LocalProject is the project id the embedded and memory backends use when none is
// configured, so templates that omit projectId still work locally.
const LocalProject = "tagd-local"

// Default endpoints of the Google-service APIs (getGoogleScript, sendEventToGoogleAnalytics).
const (
	DefaultGACollectURL = "https://region1.google-analytics.com/g/collect"
)

// Backends is what the sandbox's Google-service APIs use.
type Backends struct {
	// Project is the default project (sGTM: GOOGLE_CLOUD_PROJECT), used when a template
	// omits projectId and for permission entries that say "GOOGLE_CLOUD_PROJECT".
	Project   string
	Firestore Firestore
	BigQuery  BigQuery
	// Auth issues OAuth tokens for getGoogleAuth; nil when no credentials are configured.
	Auth *TokenProvider
	// ScriptBaseURL, if set, replaces scheme and host of getGoogleScript's Google URLs
	// (a mirror or a test server); the path and query are kept.
	ScriptBaseURL string
	// GACollectURL is where sendEventToGoogleAnalytics sends (default DefaultGACollectURL).
	GACollectURL string
}

// ResolveProject returns p, or the default project when p is empty.
func (b *Backends) ResolveProject(p string) string {
	if p != "" {
		return p
	}
	return b.Project
}

// CollectURL returns the GA4 collection endpoint.
func (b *Backends) CollectURL() string {
	if b.GACollectURL != "" {
		return b.GACollectURL
	}
	return DefaultGACollectURL
}

// Close releases the backends' files.
func (b *Backends) Close() error {
	var errs []error
	if b.Firestore != nil {
		errs = append(errs, b.Firestore.Close())
	}
	if b.BigQuery != nil {
		errs = append(errs, b.BigQuery.Close())
	}
	return errors.Join(errs...)
}

// NewMemory returns in-memory backends without credentials. project "" means
// $GOOGLE_CLOUD_PROJECT, or LocalProject.
func NewMemory(project string) *Backends {
	if project == "" {
		project = os.Getenv("GOOGLE_CLOUD_PROJECT")
	}
	if project == "" {
		project = LocalProject
	}
	return &Backends{Project: project, Firestore: NewMemoryFirestore(), BigQuery: NewMemoryBigQuery()}
}

// Backend kinds for Config.
const (
	KindEmbedded = "embedded" // Firestore: bbolt file in DataDir
	KindJSONL    = "jsonl"    // BigQuery: JSON lines in DataDir
	KindMemory   = "memory"
	KindREST     = "rest"
)

// Config selects and configures the backends.
type Config struct {
	DataDir string // embedded Firestore file and BigQuery JSON lines live here
	Project string // default project; "" = $GOOGLE_CLOUD_PROJECT, the key file's project_id, or LocalProject for local backends

	Firestore    string // embedded | memory | rest; "" = embedded with DataDir, else memory
	FirestoreURL string // REST base URL ("" = DefaultFirestoreURL)
	BigQuery     string // jsonl | memory | rest; "" = jsonl with DataDir, else memory
	BigQueryURL  string // REST base URL ("" = DefaultBigQueryURL)
	NoFsync      bool   // do not fsync JSON lines after each insert

	Credentials string // service-account key file; "" = $GOOGLE_APPLICATION_CREDENTIALS
	TokenURL    string // overrides the key file's token_uri

	ScriptBaseURL string
	GACollectURL  string

	HTTPClient *http.Client // for REST calls and token exchanges; nil = 30 s timeout client
	Logger     *slog.Logger
	Getenv     func(string) string // nil = os.Getenv
}

// Open builds the configured backends. Errors name the offending setting or file.
func Open(cfg Config) (_ *Backends, err error) {
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	b := &Backends{ScriptBaseURL: cfg.ScriptBaseURL, GACollectURL: cfg.GACollectURL}
	defer func() {
		if err != nil {
			_ = b.Close() // whatever was opened before the error
		}
	}()

	credPath := cfg.Credentials
	if credPath == "" {
		credPath = getenv("GOOGLE_APPLICATION_CREDENTIALS")
	}
	var sa *ServiceAccount
	if credPath != "" {
		if sa, err = LoadServiceAccount(credPath); err != nil {
			return nil, fmt.Errorf("google credentials: %w", err)
		}
		b.Auth = NewTokenProvider(sa, cfg.TokenURL, client)
		b.Auth.Logger = cfg.Logger
	}
	var tokens func(scope string) TokenSource = func(string) TokenSource { return nil }
	if b.Auth != nil {
		tokens = func(scope string) TokenSource { return b.Auth.Source(scope) }
	}

	fsKind, bqKind := cfg.Firestore, cfg.BigQuery
	if fsKind == "" {
		fsKind = KindMemory
		if cfg.DataDir != "" {
			fsKind = KindEmbedded
		}
	}
	if bqKind == "" {
		bqKind = KindMemory
		if cfg.DataDir != "" {
			bqKind = KindJSONL
		}
	}
	if (fsKind == KindEmbedded || bqKind == KindJSONL) && cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	}

	switch fsKind {
	case KindEmbedded:
		if cfg.DataDir == "" {
			return nil, errors.New("firestore backend \"embedded\" needs a data directory")
		}
		if b.Firestore, err = OpenLocalFirestore(filepath.Join(cfg.DataDir, "firestore.db")); err != nil {
			return nil, err
		}
	case KindMemory:
		b.Firestore = NewMemoryFirestore()
	case KindREST:
		b.Firestore = NewRESTFirestore(cfg.FirestoreURL, client, tokens(FirestoreScope))
	default:
		return nil, fmt.Errorf("firestore backend %q: want embedded, memory or rest", fsKind)
	}

	switch bqKind {
	case KindJSONL:
		if cfg.DataDir == "" {
			return nil, errors.New("bigquery backend \"jsonl\" needs a data directory")
		}
		b.BigQuery = NewJSONLBigQuery(cfg.DataDir, !cfg.NoFsync)
	case KindMemory:
		b.BigQuery = NewMemoryBigQuery()
	case KindREST:
		b.BigQuery = NewRESTBigQuery(cfg.BigQueryURL, client, tokens(BigQueryScope))
	default:
		return nil, fmt.Errorf("bigquery backend %q: want jsonl, memory or rest", bqKind)
	}

	b.Project = cfg.Project
	if b.Project == "" {
		b.Project = getenv("GOOGLE_CLOUD_PROJECT")
	}
	if b.Project == "" && sa != nil {
		b.Project = sa.ProjectID
	}
	if b.Project == "" && fsKind != KindREST && bqKind != KindREST {
		b.Project = LocalProject
	}
	return b, nil
}

var (
	current      atomic.Pointer[Backends]
	fallbackOnce sync.Once
	fallback     *Backends
)

// Default returns the process-wide backends set by SetDefault, or a shared in-memory set
// when none was set.
func Default() *Backends {
	if b := current.Load(); b != nil {
		return b
	}
	fallbackOnce.Do(func() { fallback = NewMemory("") })
	return fallback
}

// SetDefault installs the process-wide backends (nil restores the in-memory fallback) and
// returns the previously installed ones. The caller keeps ownership (Close).
func SetDefault(b *Backends) *Backends {
	return current.Swap(b)
}
