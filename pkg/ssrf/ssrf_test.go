package ssrf

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// TestReason holds the merged edge cases of the two guards parley had (the
// fetcher's and the alert webhooks' narrower copy), plus the forms neither
// caught: every IPv6 spelling of an IPv4 address is judged by that address.
func TestReason(t *testing.T) {
	tests := []struct {
		addr string
		want string // a part of the reason; "" means allowed
	}{
		// IPv4 special ranges.
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"169.254.169.254", "metadata"},
		{"169.254.1.1", "link-local"},
		{"100.64.0.1", "carrier-grade NAT"},
		{"100.127.255.254", "carrier-grade NAT"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "this network"},
		{"192.0.0.170", "IETF"},
		{"192.0.2.1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"198.19.255.255", "benchmarking"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"240.0.0.1", "reserved"},
		{"250.1.2.3", "reserved"},
		{"255.255.255.255", "broadcast"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		// IPv6 special ranges.
		{"::1", "loopback"},
		{"::", "unspecified"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"fc00::1", "unique-local"},
		{"fd12:3456::1", "unique-local"},
		{"fd00:ec2::254", "metadata"},
		{"fec0::1", "site-local"},
		{"ff02::1", "multicast"},
		{"ff0e::1", "multicast"},
		{"100::1", "discard"},
		{"2001:db8::1", "documentation"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"},
		{"64:ff9b:1::a00:1", "local-use NAT64"},
		// IPv6 forms of IPv4 addresses.
		{"::ffff:127.0.0.1", "loopback"},
		{"::ffff:10.0.0.1", "private"},
		{"::ffff:169.254.169.254", "metadata"},
		{"::ffff:100.64.0.1", "carrier-grade NAT"},
		{"::7f00:1", "IPv4-compatible form of a loopback"},
		{"::127.0.0.1", "IPv4-compatible form of a loopback"},
		{"::a9fe:a9fe", "IPv4-compatible form of a cloud metadata"},
		{"::8.8.8.8", "IPv4-compatible address"},
		{"::ffff:0:127.0.0.1", "IPv4-translated form of a loopback"},
		{"::ffff:0:8.8.8.8", "IPv4-translated address"},
		{"64:ff9b::7f00:1", "NAT64 form of a loopback"},
		{"64:ff9b::a00:1", "NAT64 form of a private"},
		{"64:ff9b::6440:1", "NAT64 form of a carrier-grade NAT"},
		{"2002:7f00:1::1", "6to4 form of a loopback"},
		{"2002:c0a8:0101::1", "6to4 form of a private"},
		{"2002:a9fe:a9fe::", "6to4 form of a cloud metadata"},
		{"2002:c612:1::1", "6to4 form of a benchmarking"},
		// Public unicast.
		{"8.8.8.8", ""},
		{"93.184.216.34", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"100.63.255.255", ""},
		{"198.20.0.1", ""},
		{"223.255.255.255", ""},
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001:80b::200e", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2002:808:808::1", ""},
	}
	for _, tt := range tests {
		got := Reason(netip.MustParseAddr(tt.addr))
		switch {
		case tt.want == "" && got != "":
			t.Errorf("Reason(%s) = %q, want allowed", tt.addr, got)
		case tt.want != "" && !strings.Contains(got, tt.want):
			t.Errorf("Reason(%s) = %q, want it to say %q", tt.addr, got, tt.want)
		}
	}
	if got := Reason(netip.Addr{}); got == "" {
		t.Errorf("the zero Addr is allowed")
	}
}

func TestControl(t *testing.T) {
	control := Control(Public)
	tests := []struct {
		address string
		blocked bool
		says    string
	}{
		{"127.0.0.1:80", true, "127.0.0.1 is a loopback address (--allow-private-addresses permits it)"},
		{"[::7f00:1]:443", true, "::7f00:1 is the IPv4-compatible form of a loopback address"},
		{"[::ffff:127.0.0.1]:80", true, "127.0.0.1 is a loopback address"},
		{"localhost:80", true, "cannot parse dial address"},
		{"8.8.8.8:443", false, ""},
		{"[2606:4700:4700::1111]:443", false, ""},
	}
	for _, tt := range tests {
		err := control("tcp", tt.address, nil)
		if (err != nil) != tt.blocked {
			t.Errorf("Control(%s) = %v, want blocked=%v", tt.address, err, tt.blocked)
			continue
		}
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("Control(%s) = %v, want ErrBlocked saying %q", tt.address, err, tt.says)
		}
	}
}

// TestControlRefusesBeforeConnecting dials a listening loopback port through
// the guard: the dial fails and the listener sees no connection.
func TestControlRefusesBeforeConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	d := net.Dialer{Control: Control(Public)}
	if c, err := d.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("dial to loopback succeeded through the guard")
	} else if !errors.Is(err, ErrBlocked) {
		t.Fatalf("dial error %v, want ErrBlocked", err)
	}
	select {
	case <-accepted:
		t.Fatal("the listener accepted a connection")
	default:
	}
}
