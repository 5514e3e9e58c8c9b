package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPreviewTable(t *testing.T) {
	off, on := false, true
	tests := []struct {
		name    string
		src     string
		want    Preview
		enabled bool
		size    int
		errs    []string
	}{
		{name: "absent: defaults", src: "", want: Preview{}, enabled: true, size: DefaultPreviewBufferSize},
		{name: "all keys", src: "[preview]\nenabled = true\ncapture_all = true\nbuffer_size = 50\nheader = \"X-Debug-${PORT}\"\n",
			want: Preview{Enabled: &on, CaptureAll: true, BufferSize: 50, Header: "X-Debug-9090"}, enabled: true, size: 50},
		{name: "disabled", src: "[preview]\nenabled = false\n", want: Preview{Enabled: &off}, enabled: false, size: DefaultPreviewBufferSize},
		{name: "bad types", src: "[preview]\nenabled = \"yes\"\nbuffer_size = \"big\"\n",
			errs: []string{`c.toml:2: preview: enabled must be true or false, not a string`, `c.toml:3: preview: buffer_size must be an integer, not a string`}},
		{name: "unknown key", src: "[preview]\ncapture = true\n",
			errs: []string{`c.toml:2: preview: unknown key "capture"`}},
		{name: "buffer too big", src: "[preview]\nbuffer_size = 10001\n",
			errs: []string{`c.toml:2: preview: buffer_size must be from 1 to 10000, not 10001`}},
		{name: "negative buffer", src: "[preview]\n\nbuffer_size = -1\n",
			errs: []string{`c.toml:3: preview: buffer_size must be from 1 to 10000, not -1`}},
		{name: "bad header", src: "[preview]\nheader = \"X Debug:\"\n",
			errs: []string{`c.toml:2: preview: header "X Debug:" is not a valid HTTP header name`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseTest(t, tt.src)
			got := errLines(t, err)
			if len(tt.errs) > 0 {
				// Only compare the preview problems; prefix matching keeps the test about this table.
				var mine []string
				for _, l := range got {
					if strings.Contains(l, "preview") {
						mine = append(mine, l)
					}
				}
				if diff := cmp.Diff(tt.errs, mine); diff != "" {
					t.Errorf("errors (-want +got):\n%s\nall: %v", diff, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, c.Preview); diff != "" {
				t.Errorf("preview (-want +got):\n%s", diff)
			}
			if c.Preview.IsEnabled() != tt.enabled || c.Preview.Size() != tt.size {
				t.Errorf("IsEnabled, Size = %v, %d; want %v, %d", c.Preview.IsEnabled(), c.Preview.Size(), tt.enabled, tt.size)
			}
		})
	}
}
