package cloud

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		path string
		segs int
		ok   bool
	}{
		{"users", 1, true},
		{"users/alice", 2, true},
		{"users/alice/orders/1", 4, true},
		{"", 0, false},
		{"/users", 0, false},
		{"users/", 0, false},
		{"users//alice", 0, false},
		{"users/./x", 0, false},
		{"users/../x", 0, false},
		{"users/__id__", 0, false},
		{"users/__", 2, true},
		{"a\x00b", 0, false},
		{"bad\xffutf8", 0, false},
		{strings.Repeat("a/", 100) + "a", 0, false},
		{"a/" + strings.Repeat("x", 1501), 0, false},
	}
	for _, tc := range tests {
		n, err := ParsePath(tc.path)
		if (err == nil) != tc.ok || n != tc.segs {
			t.Errorf("ParsePath(%q) = %d, %v; want %d, ok=%v", tc.path, n, err, tc.segs, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrBadPath) {
			t.Errorf("ParsePath(%q) error %v does not wrap ErrBadPath", tc.path, err)
		}
	}
}

func TestRef(t *testing.T) {
	r := Ref{Project: "p", Path: "users/alice/orders"}
	if r.IsDocument() || r.ID() != "orders" || r.Parent() != "users/alice" || r.DB() != DefaultDatabase {
		t.Fatalf("collection ref: doc=%v id=%q parent=%q db=%q", r.IsDocument(), r.ID(), r.Parent(), r.DB())
	}
	d := r.Child("o1")
	if !d.IsDocument() || d.ID() != "o1" || d.String() != "projects/p/databases/(default)/documents/users/alice/orders/o1" {
		t.Fatalf("document ref: %v %q %q", d.IsDocument(), d.ID(), d.String())
	}
	if (Ref{Path: "users"}).Parent() != "" {
		t.Fatal("root collection has a parent")
	}
	id := NewDocumentID()
	if len(id) != 20 || strings.Trim(id, generatedIDCh) != "" {
		t.Fatalf("NewDocumentID() = %q", id)
	}
	if id == NewDocumentID() {
		t.Fatal("NewDocumentID repeats")
	}
}

func TestValidateName(t *testing.T) {
	for _, s := range []string{"my-project", "example.com:proj", "data_set", "(default)"} {
		if err := validateName("id", s); err != nil {
			t.Errorf("validateName(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"", ".", "..", ".hidden", "a/b", `a\b`, "a\x00", "a\nb", "a?b", "a%2f", strings.Repeat("x", 1025)} {
		if err := validateName("id", s); err == nil {
			t.Errorf("validateName(%q) accepted", s)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"users/alice", "/x", "a//b", "a/__x__", "a/./b", "é/ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		n, err := ParsePath(p)
		if err != nil {
			return
		}
		if n != strings.Count(p, "/")+1 || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
			t.Fatalf("ParsePath(%q) accepted with %d segments", p, n)
		}
		r := Ref{Project: "p", Path: p}
		if r.IsDocument() != (n%2 == 0) {
			t.Fatalf("IsDocument(%q) = %v with %d segments", p, r.IsDocument(), n)
		}
	})
}
