package cloud

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// DefaultDatabase is Firestore's default database id.
const DefaultDatabase = "(default)"

// Limits on paths, matching Firestore's documented ones closely enough that a path we
// accept is also one the real service accepts.
const (
	maxPathBytes  = 6 << 10 // a document name may be up to 6 KiB
	maxIDBytes    = 1500
	maxPathDepth  = 100
	generatedIDCh = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// ErrBadPath is wrapped by every path validation error.
var ErrBadPath = errors.New("invalid Firestore path")

// Ref names a document or a collection in one project's database.
type Ref struct {
	Project  string
	Database string // "" means DefaultDatabase
	Path     string // "users/alice" (document) or "users" (collection), as validated by ParsePath
}

// DB returns the database id, defaulted.
func (r Ref) DB() string {
	if r.Database == "" {
		return DefaultDatabase
	}
	return r.Database
}

// IsDocument reports whether the path names a document (an even number of segments).
func (r Ref) IsDocument() bool { return strings.Count(r.Path, "/")%2 == 1 }

// ID is the last path segment: the document id or the collection id.
func (r Ref) ID() string { return r.Path[strings.LastIndexByte(r.Path, '/')+1:] }

// Parent is the path of the enclosing document of a collection ("" for a root collection),
// or the collection of a document.
func (r Ref) Parent() string {
	i := strings.LastIndexByte(r.Path, '/')
	if i < 0 {
		return ""
	}
	return r.Path[:i]
}

// Child returns the ref of id inside this ref.
func (r Ref) Child(id string) Ref {
	r.Path = r.Path + "/" + id
	return r
}

func (r Ref) String() string {
	return "projects/" + r.Project + "/databases/" + r.DB() + "/documents/" + r.Path
}

// ParsePath validates a path as sGTM templates write it ("collection/doc/sub/doc2") and
// returns its number of segments. It must not start or end with '/', and no segment may be
// empty, "." or "..", or of the reserved form __name__.
func ParsePath(p string) (int, error) {
	switch {
	case p == "":
		return 0, fmt.Errorf("%w: empty path", ErrBadPath)
	case len(p) > maxPathBytes:
		return 0, fmt.Errorf("%w: path is %d bytes, more than %d", ErrBadPath, len(p), maxPathBytes)
	case !utf8.ValidString(p):
		return 0, fmt.Errorf("%w: path is not valid UTF-8", ErrBadPath)
	case strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/"):
		return 0, fmt.Errorf("%w: %q must not start or end with '/'", ErrBadPath, p)
	case strings.ContainsRune(p, 0):
		return 0, fmt.Errorf("%w: path contains a NUL byte", ErrBadPath)
	}
	segs := strings.Split(p, "/")
	if len(segs) > maxPathDepth {
		return 0, fmt.Errorf("%w: %d segments, more than %d", ErrBadPath, len(segs), maxPathDepth)
	}
	for i, s := range segs {
		switch {
		case s == "":
			return 0, fmt.Errorf("%w: %q has an empty segment", ErrBadPath, p)
		case s == "." || s == "..":
			return 0, fmt.Errorf("%w: segment %d of %q is %q", ErrBadPath, i+1, p, s)
		case len(s) > maxIDBytes:
			return 0, fmt.Errorf("%w: segment %d of %q is longer than %d bytes", ErrBadPath, i+1, p, maxIDBytes)
		case len(s) > 4 && strings.HasPrefix(s, "__") && strings.HasSuffix(s, "__"):
			return 0, fmt.Errorf("%w: segment %q is reserved", ErrBadPath, s)
		}
	}
	return len(segs), nil
}

// NewDocumentID returns a random 20-character id like Firestore's client libraries make.
func NewDocumentID() string {
	var b [20]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		// 62 letters: the modulo bias (256 % 62) is irrelevant for ids.
		b[i] = generatedIDCh[int(b[i])%len(generatedIDCh)]
	}
	return string(b[:])
}

// validateName checks a project, database, dataset or table id well enough that it is safe
// in a storage key, a file name and a URL path segment. The real services are stricter;
// they report their own errors.
func validateName(kind, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty %s", kind)
	case len(s) > 1024:
		return fmt.Errorf("%s is longer than 1024 bytes", kind)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s %q is not valid UTF-8", kind, s)
	case s == "." || s == ".." || strings.HasPrefix(s, "."):
		return fmt.Errorf("%s %q must not start with '.'", kind, s)
	case strings.ContainsAny(s, "/\\?#%\x00"):
		return fmt.Errorf("%s %q contains one of / \\ ? # %% or NUL", kind, s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s %q contains a control character", kind, s)
		}
	}
	return nil
}

func validateRef(r Ref) error {
	if err := validateName("project id", r.Project); err != nil {
		return err
	}
	if err := validateName("database id", r.DB()); err != nil {
		return err
	}
	if _, err := ParsePath(r.Path); err != nil {
		return err
	}
	return nil
}
