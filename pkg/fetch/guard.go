package fetch

import (
	"fmt"
	"net/netip"
	"syscall"
)

// blockedPrefixes are the non-public ranges not covered by netip's own
// predicates (loopback, private, link-local, multicast, unspecified).
var blockedPrefixes = []struct {
	p    netip.Prefix
	name string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "\"this network\""},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (100.64/10)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignment"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("255.255.255.255/32"), "broadcast"},
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
	metadataV4  = netip.MustParseAddr("169.254.169.254")
	metadataV6  = netip.MustParseAddr("fd00:ec2::254")
)

// blockReason says why addr is not a public unicast address, or "" when it
// may be dialled. IPv4-mapped, NAT64 and 6to4 IPv6 forms are judged by the
// IPv4 address they embed.
func blockReason(addr netip.Addr) string {
	addr = addr.Unmap()
	if addr.Zone() != "" {
		addr = addr.WithZone("")
	}
	if addr.Is6() {
		b := addr.As16()
		switch {
		case nat64Prefix.Contains(addr):
			if r := blockReason(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
				return "NAT64 form of " + r
			}
		case sixToFour.Contains(addr):
			if r := blockReason(netip.AddrFrom4([4]byte(b[2:6]))); r != "" {
				return "6to4 form of " + r
			}
		}
	}
	switch {
	case addr == metadataV4 || addr == metadataV6:
		return "a cloud metadata address"
	case !addr.IsValid():
		return "an invalid address"
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
	}
	if addr.Is4() {
		for _, bp := range blockedPrefixes {
			if bp.p.Contains(addr) {
				return "a " + bp.name + " address"
			}
		}
	}
	return ""
}

// dialControl returns the net.Dialer Control function enforcing the guard.
// It runs after DNS resolution on the exact address about to be connected,
// so neither redirects nor DNS rebinding can reach a blocked address.
func (c *Client) dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dial address %q", ErrBlockedAddress, address)
	}
	if reason := c.blocked(ap); reason != "" {
		return fmt.Errorf("%w: %s is %s (--allow-private-addresses permits it)", ErrBlockedAddress, ap.Addr(), reason)
	}
	return nil
}

// defaultBlocked is the production dial predicate.
func defaultBlocked(ap netip.AddrPort) string { return blockReason(ap.Addr()) }
