package runtime

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestBlockedReason(t *testing.T) {
	tests := []struct {
		ip     string
		reason string // "" = allowed
	}{
		{"8.8.8.8", ""},
		{"142.250.74.46", ""},
		{"2a00:1450:4001:80b::200e", ""},
		{"127.0.0.1", "loopback"},
		{"127.255.0.9", "loopback"},
		{"::1", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "\"this network\""},
		{"::", "unspecified"},
		{"::7f00:1", "IPv4-compatible IPv6"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"172.32.0.1", ""},
		{"192.168.1.1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.169.254", "cloud metadata service"},
		{"169.254.170.2", "cloud metadata service (ECS)"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fd00:ec2::254", "cloud metadata service (AWS IPv6)"},
		{"100.100.100.200", "cloud metadata service (Alibaba)"},
		{"192.0.0.192", "cloud metadata service (Oracle)"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.255", "carrier-grade NAT"},
		{"100.128.0.1", ""},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "benchmarking"},
		{"192.0.2.1", "documentation"},
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:169.254.169.254", "cloud metadata service"},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::a00:1", "private (embedded in 64:ff9b::a00:1)"},
		{"64:ff9b::808:808", ""},
		{"2002:7f00:1::", "loopback (embedded in 2002:7f00:1::)"},
		{"2002:808:808::", ""},
		{"2001:0:4136:e378::1", "Teredo"},
	}
	for _, tc := range tests {
		ip := netip.MustParseAddr(tc.ip)
		reason, blocked := blockedReason(ip, nil)
		if blocked != (tc.reason != "") || reason != tc.reason {
			t.Errorf("blockedReason(%s) = %q, %v; want %q", tc.ip, reason, blocked, tc.reason)
		}
	}
	allow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, s := range []string{"10.9.9.9", "::1", "::ffff:10.0.0.1"} {
		if reason, blocked := blockedReason(netip.MustParseAddr(s), allow); blocked {
			t.Errorf("%s blocked (%s) despite the allowlist", s, reason)
		}
	}
	if _, blocked := blockedReason(netip.MustParseAddr("192.168.0.1"), allow); !blocked {
		t.Error("allowlist opened more than it lists")
	}
	if _, blocked := blockedReason(netip.Addr{}, nil); !blocked {
		t.Error("invalid address allowed")
	}
}

func guardedClient(allow []netip.Prefix) *http.Client {
	return &http.Client{
		Transport:     &http.Transport{DialContext: GuardedDialContext(allow)},
		CheckRedirect: CheckRedirect(allow),
	}
}

func TestGuardedDialContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hop" {
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	get := func(c *http.Client, u string) (string, error) {
		resp, err := c.Get(u)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}

	// Refused by default: by IP and by name.
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		_, err := get(guardedClient(nil), u)
		var be *BlockedError
		if !errors.Is(err, ErrBlockedAddress) || !errors.As(err, &be) || be.Reason != "loopback" {
			t.Fatalf("GET %s: err = %v, want a loopback refusal", u, err)
		}
	}
	// Allowed when allow-listed.
	allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	body, err := get(guardedClient(allow), srv.URL)
	if err != nil || body != "ok" {
		t.Fatalf("allow-listed GET: %q, %v", body, err)
	}
	// A redirect to an allowed address is followed; one to another loopback address is
	// refused before any connection.
	body, err = get(guardedClient(allow), srv.URL+"/hop?to="+srv.URL+"/end")
	if err != nil || body != "ok" {
		t.Fatalf("allowed redirect: %q, %v", body, err)
	}
	_, err = get(guardedClient(allow), srv.URL+"/hop?to=http://127.0.0.2:"+port+"/")
	if !errors.Is(err, ErrBlockedAddress) || !strings.Contains(err.Error(), "127.0.0.2") {
		t.Fatalf("redirect to 127.0.0.2: err = %v", err)
	}
	_, err = get(guardedClient(allow), srv.URL+"/hop?to=file:///etc/passwd")
	if err == nil || !strings.Contains(err.Error(), "file") {
		t.Fatalf("redirect to file: err = %v", err)
	}
}

func TestCheckRedirectLimit(t *testing.T) {
	cr := CheckRedirect(nil)
	req, _ := http.NewRequest(http.MethodGet, "https://8.8.8.8/", nil)
	if err := cr(req, make([]*http.Request, 9)); err != nil {
		t.Fatalf("9 redirects: %v", err)
	}
	if err := cr(req, make([]*http.Request, 10)); err == nil {
		t.Fatal("11th redirect allowed")
	}
	req, _ = http.NewRequest(http.MethodGet, "http://[::1]:8080/", nil)
	if err := cr(req, nil); !errors.Is(err, ErrBlockedAddress) {
		t.Fatalf("redirect to [::1]: %v", err)
	}
}

// fakeNet resolves names from a table and records what is dialled.
type fakeNet struct {
	names  map[string][]netip.Addr
	dialed []string
}

func (f *fakeNet) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	ips, ok := f.names[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return ips, nil
}

func (f *fakeNet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	f.dialed = append(f.dialed, addr)
	c1, c2 := net.Pipe()
	_ = c2.Close()
	return c1, nil
}

func TestGuardChecksEveryAddressAndDialsIt(t *testing.T) {
	ctx := context.Background()
	fn := &fakeNet{names: map[string][]netip.Addr{
		"mixed.example":  {netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("10.0.0.1")},
		"public.example": {netip.MustParseAddr("8.8.4.4"), netip.MustParseAddr("2001:4860:4860::8888")},
		"empty.example":  {},
	}}
	g := &dialGuard{resolver: fn, dial: fn.dial}

	if _, err := g.dialContext(ctx, "tcp", "mixed.example:443"); !errors.Is(err, ErrBlockedAddress) || !strings.Contains(err.Error(), "mixed.example (10.0.0.1, private)") {
		t.Fatalf("mixed answer: err = %v", err)
	}
	if len(fn.dialed) != 0 {
		t.Fatalf("dialled %v after a refusal", fn.dialed)
	}
	c, err := g.dialContext(ctx, "tcp", "public.example:443")
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	// The checked IP is dialled, never the name (no second lookup by the dialer).
	if len(fn.dialed) != 1 || fn.dialed[0] != "8.8.4.4:443" {
		t.Fatalf("dialled %v, want [8.8.4.4:443]", fn.dialed)
	}
	for _, addr := range []string{"empty.example:80", "nxdomain.example:80", "noport", "[]:80"} {
		if _, err := g.dialContext(ctx, "tcp", addr); err == nil {
			t.Errorf("dial %q succeeded", addr)
		}
	}
}

// FuzzGuardDial: whatever the address string, the guard never panics and never dials an
// address it should have refused.
func FuzzGuardDial(f *testing.F) {
	for _, s := range []string{"example.com:80", "127.0.0.1:80", "[::1]:443", "[fe80::1%eth0]:80", "[::ffff:10.0.0.1]:1", "x:y:z", ":80", "169.254.169.254:80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		fn := &fakeNet{names: map[string][]netip.Addr{"example.com": {netip.MustParseAddr("93.184.216.34")}}}
		g := &dialGuard{resolver: fn, dial: fn.dial}
		c, err := g.dialContext(context.Background(), "tcp", addr)
		if err != nil {
			if len(fn.dialed) != 0 {
				t.Fatalf("%q: error %v after dialling %v", addr, err, fn.dialed)
			}
			return
		}
		_ = c.Close()
		for _, d := range fn.dialed {
			host, _, err := net.SplitHostPort(d)
			if err != nil {
				t.Fatalf("%q: dialled malformed %q", addr, d)
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				t.Fatalf("%q: dialled a name %q", addr, d)
			}
			if reason, blocked := blockedReason(ip, nil); blocked {
				t.Fatalf("%q: dialled %s (%s)", addr, ip, reason)
			}
		}
	})
}
