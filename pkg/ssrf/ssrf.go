// Package ssrf is parley's one guard against server-side request forgery:
// it decides whether an address a stranger's URL resolved to may be dialled.
// Every outgoing connection to a URL that came from outside (feeds, article
// pages, alert webhooks, WebSub hubs) goes through Control, which runs after
// DNS resolution on the exact address about to be connected, so neither a
// redirect nor DNS rebinding can reach a blocked address.
package ssrf

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// ErrBlocked is the error of a refused dial: the address is loopback,
// private or otherwise not a public unicast address.
var ErrBlocked = errors.New("blocked address")

// Hint ends every refusal: the setting that lifts the guard.
const Hint = "--allow-private-addresses permits it"

// blockedV4 are the IPv4 ranges that are not public unicast, beyond what
// netip's predicates (loopback, private, link-local, multicast,
// unspecified) cover.
var blockedV4 = []struct {
	p    netip.Prefix
	name string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" (0/8) address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a carrier-grade NAT (100.64/10) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol assignment (192.0.0/24) address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation (TEST-NET-1) address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay anycast address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking (198.18/15) address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation (TEST-NET-2) address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation (TEST-NET-3) address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved (240/4) address"},
}

// blockedV6 are IPv6 ranges that are not public unicast and embed no IPv4
// address worth judging instead.
var blockedV6 = []struct {
	p    netip.Prefix
	name string
}{
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 (64:ff9b:1::/48) address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only (100::/64) address"},
	{netip.MustParsePrefix("2001::/32"), "a Teredo (2001::/32) address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation (2001:db8::/32) address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local (fec0::/10) address"},
}

// IPv6 forms that carry an IPv4 address: the address is judged by the
// IPv4 address it reaches.
var (
	v4Compatible  = netip.MustParsePrefix("::/96")           // ::a.b.c.d (deprecated, still routed by some stacks)
	v4Translated  = netip.MustParsePrefix("::ffff:0:0:0/96") // SIIT ::ffff:0:a.b.c.d
	nat64         = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour     = netip.MustParsePrefix("2002::/16")
	metadataV4    = netip.MustParseAddr("169.254.169.254")
	metadataV6    = netip.MustParseAddr("fd00:ec2::254")
	unspecifiedV6 = netip.IPv6Unspecified()
	loopbackV6    = netip.IPv6Loopback()
)

// Reason says why addr may not be dialled, or "" when it is a public
// unicast address. IPv4-mapped, IPv4-compatible, SIIT, NAT64 and 6to4 IPv6
// addresses are judged by the IPv4 address they embed.
func Reason(addr netip.Addr) string {
	addr = addr.Unmap().WithZone("")
	if !addr.IsValid() {
		return "an invalid address"
	}
	if addr.Is6() && addr != unspecifiedV6 && addr != loopbackV6 {
		b := addr.As16()
		for _, e := range []struct {
			p        netip.Prefix
			at       int
			form     string
			obsolete bool // no public service uses it: refused whatever it embeds
		}{
			{v4Compatible, 12, "IPv4-compatible", true},
			{v4Translated, 12, "IPv4-translated", true},
			{nat64, 12, "NAT64", false},
			{sixToFour, 2, "6to4", false},
		} {
			if !e.p.Contains(addr) {
				continue
			}
			v4 := netip.AddrFrom4([4]byte(b[e.at : e.at+4]))
			if r := Reason(v4); r != "" {
				return "the " + e.form + " form of " + r
			}
			if e.obsolete {
				return "an " + e.form + " address (of " + v4.String() + "; obsolete, not routed)"
			}
		}
	}
	switch {
	case addr == metadataV4 || addr == metadataV6:
		return "a cloud metadata address"
	case addr.IsUnspecified():
		return "an unspecified address"
	case addr.IsLoopback():
		return "a loopback address"
	case addr.IsPrivate():
		if addr.Is4() {
			return "a private (RFC 1918) address"
		}
		return "a unique-local (fc00::/7) address"
	case addr.IsLinkLocalUnicast():
		return "a link-local address"
	case addr.IsMulticast(), addr.IsLinkLocalMulticast(), addr.IsInterfaceLocalMulticast():
		return "a multicast address"
	case addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	}
	ranges := blockedV6
	if addr.Is4() {
		ranges = blockedV4
	}
	for _, r := range ranges {
		if r.p.Contains(addr) {
			return r.name
		}
	}
	return ""
}

// Judge returns why the dial address ap is refused, or "".
type Judge func(ap netip.AddrPort) string

// Public is the production Judge: Reason of the address.
func Public(ap netip.AddrPort) string { return Reason(ap.Addr()) }

// Control is a net.Dialer Control function refusing what judge refuses,
// with an error wrapping ErrBlocked that names the address, why, and Hint.
func Control(judge Judge) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: cannot parse dial address %q", ErrBlocked, address)
		}
		if reason := judge(ap); reason != "" {
			return fmt.Errorf("%w: %s is %s (%s)", ErrBlocked, ap.Addr(), reason, Hint)
		}
		return nil
	}
}
