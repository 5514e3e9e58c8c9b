package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// ErrBlockedAddress is wrapped by every refusal of the SSRF guard.
var ErrBlockedAddress = errors.New("destination address is not allowed")

// BlockedError says which address of which host was refused, and why.
type BlockedError struct {
	Host   string
	IP     netip.Addr
	Reason string
}

func (e *BlockedError) Error() string {
	if e.Host != "" && e.Host != e.IP.String() {
		return fmt.Sprintf("refusing to connect to %s (%s, %s): %v", e.Host, e.IP, e.Reason, ErrBlockedAddress)
	}
	return fmt.Sprintf("refusing to connect to %s (%s): %v", e.IP, e.Reason, ErrBlockedAddress)
}

// Unwrap lets errors.Is match ErrBlockedAddress.
func (e *BlockedError) Unwrap() error { return ErrBlockedAddress }

// GuardedDialContext returns a DialContext for http.Transport that refuses destinations
// a template must not reach: loopback, private (RFC 1918, ULA), link-local (including the
// 169.254.169.254 metadata service), unspecified, multicast, carrier-grade NAT, other
// special-purpose ranges and known cloud-metadata addresses; addresses inside one of the
// allow prefixes are permitted anyway. A host name is resolved first and every resolved
// address must pass; the connection then goes to a checked address, never to the name,
// so a second DNS answer (rebinding) cannot change the destination.
//
// With an HTTP proxy configured, the transport dials the proxy, not the destination, so
// the guard then checks the proxy; CheckRedirect still checks each redirect target.
func GuardedDialContext(allow []netip.Prefix) func(ctx context.Context, network, addr string) (net.Conn, error) {
	g := &dialGuard{
		allow:    append([]netip.Prefix(nil), allow...),
		resolver: net.DefaultResolver,
		dial:     (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	return g.dialContext
}

// CheckRedirect returns an http.Client CheckRedirect that stops after 10 redirects,
// refuses non-HTTP schemes and applies the guard's address check to each redirect target
// before it is requested.
func CheckRedirect(allow []netip.Prefix) func(req *http.Request, via []*http.Request) error {
	g := &dialGuard{allow: append([]netip.Prefix(nil), allow...), resolver: net.DefaultResolver}
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if s := req.URL.Scheme; s != "http" && s != "https" {
			return fmt.Errorf("refusing redirect to %q: scheme %q is not http or https", req.URL.Redacted(), s)
		}
		_, err := g.resolve(req.Context(), "tcp", req.URL.Hostname())
		return err
	}
}

type ipResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

type dialGuard struct {
	allow    []netip.Prefix
	resolver ipResolver
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (g *dialGuard) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %q: %w", addr, err)
	}
	ips, err := g.resolve(ctx, network, host)
	if err != nil {
		return nil, err
	}
	var first error
	for _, ip := range ips {
		conn, err := g.dial(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// resolve returns the addresses of host, all of them checked.
func (g *dialGuard) resolve(ctx context.Context, network, host string) ([]netip.Addr, error) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return nil, errors.New("dial: empty host")
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		lookup := "ip"
		switch {
		case strings.HasSuffix(network, "4"):
			lookup = "ip4"
		case strings.HasSuffix(network, "6"):
			lookup = "ip6"
		}
		ips, err = g.resolver.LookupNetIP(ctx, lookup, host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		if len(ips) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
	}
	for _, ip := range ips {
		if reason, blocked := blockedReason(ip, g.allow); blocked {
			return nil, &BlockedError{Host: host, IP: ip, Reason: reason}
		}
	}
	return ips, nil
}

type namedPrefix struct {
	p      netip.Prefix
	reason string
}

func mustPrefixes(raw []struct{ cidr, reason string }) []namedPrefix {
	out := make([]namedPrefix, len(raw))
	for i, r := range raw {
		out[i] = namedPrefix{netip.MustParsePrefix(r.cidr), r.reason}
	}
	return out
}

// Known cloud metadata addresses: checked first so the reason is the precise one.
var metadataPrefixes = mustPrefixes([]struct{ cidr, reason string }{
	{"169.254.169.254/32", "cloud metadata service"},
	{"169.254.170.2/32", "cloud metadata service (ECS)"},
	{"100.100.100.200/32", "cloud metadata service (Alibaba)"},
	{"192.0.0.192/32", "cloud metadata service (Oracle)"},
	{"fd00:ec2::254/128", "cloud metadata service (AWS IPv6)"},
})

// Special-purpose ranges beyond what netip.Addr's predicates cover.
var blockedPrefixes = mustPrefixes([]struct{ cidr, reason string }{
	{"0.0.0.0/8", "\"this network\""},
	{"100.64.0.0/10", "carrier-grade NAT"},
	{"192.0.0.0/24", "IETF protocol assignments"},
	{"192.0.2.0/24", "documentation"},
	{"198.18.0.0/15", "benchmarking"},
	{"198.51.100.0/24", "documentation"},
	{"203.0.113.0/24", "documentation"},
	{"255.255.255.255/32", "broadcast"},
	{"240.0.0.0/4", "reserved"},
	{"::/96", "IPv4-compatible IPv6"},
	{"64:ff9b:1::/48", "local-use NAT64"},
	{"100::/64", "discard-only"},
	{"2001::/32", "Teredo"},
	{"2001:db8::/32", "documentation"},
	{"fec0::/10", "site-local"},
})

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// blockedReason reports whether ip may not be dialled, and why. IPv4-mapped, NAT64 and
// 6to4 addresses are judged by the IPv4 address they carry.
func blockedReason(ip netip.Addr, allow []netip.Prefix) (string, bool) {
	ip = ip.WithZone("").Unmap()
	if !ip.IsValid() {
		return "invalid address", true
	}
	for _, p := range allow {
		if p.Contains(ip) {
			return "", false
		}
	}
	for _, np := range metadataPrefixes {
		if np.p.Contains(ip) {
			return np.reason, true
		}
	}
	switch {
	case ip.IsUnspecified():
		return "unspecified", true
	case ip.IsLoopback():
		return "loopback", true
	case ip.IsPrivate():
		return "private", true
	case ip.IsLinkLocalUnicast():
		return "link-local", true
	case ip.IsMulticast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast", true
	}
	for _, np := range blockedPrefixes {
		if np.p.Contains(ip) {
			return np.reason, true
		}
	}
	if ip.Is6() {
		b := ip.As16()
		var v4 netip.Addr
		switch {
		case nat64.Contains(ip):
			v4 = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
		case sixToFour.Contains(ip):
			v4 = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
		}
		if v4.IsValid() {
			if reason, blocked := blockedReason(v4, allow); blocked {
				return reason + " (embedded in " + ip.String() + ")", true
			}
		}
	}
	return "", false
}
