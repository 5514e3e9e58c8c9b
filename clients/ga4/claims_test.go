package ga4

import "testing"

func TestClaims(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		query string
		body  string
		want  bool
	}{
		{"query hit", "/g/collect", "v=2&tid=G-1&en=page_view", "", true},
		{"trailing slash", "/g/collect/", "v=2&tid=G-1", "", true},
		{"encoded tid", "/g/collect", "v=2&tid=G%2D1", "", true},
		{"tid in first body line", "/g/collect", "v=2", "tid=G-1&en=a\r\nen=b", true},
		{"v and tid in first body line", "/g/collect", "", "\r\nv=2&tid=G-1&en=a\r\n", true},
		{"tid only in second body line", "/g/collect", "v=2", "en=a\r\ntid=G-1&en=b", false},
		{"broken pair elsewhere", "/g/collect", "v=2&dt=%zz&tid=G-1", "", true},
		{"no tid", "/g/collect", "v=2&en=page_view", "", false},
		{"empty tid", "/g/collect", "v=2&tid=", "", false},
		{"tid undecodable", "/g/collect", "v=2&tid=%zz", "", false},
		{"v=1", "/g/collect", "v=1&tid=UA-1", "", false},
		{"no v", "/g/collect", "tid=G-1", "", false},
		{"first v wins", "/g/collect", "v=1&v=2&tid=G-1", "", false},
		{"other path", "/collect", "v=2&tid=G-1", "", false},
		{"mp path", "/mp/collect", "v=2&tid=G-1", "", false},
		{"prefixed path not stripped", "/metrics/g/collect", "v=2&tid=G-1", "", false},
		{"sub path", "/g/collect/x", "v=2&tid=G-1", "", false},
		{"case differs", "/G/Collect", "v=2&tid=G-1", "", false},
		{"empty", "", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Claims(tc.path, tc.query, []byte(tc.body)); got != tc.want {
				t.Errorf("Claims(%q, %q, %q) = %v, want %v", tc.path, tc.query, tc.body, got, tc.want)
			}
		})
	}
}
