package api

import (
	"net/netip"
	"testing"
)

// TestPublicAddress: webhooks reach global unicast addresses only, not the
// private, special-purpose or IPv4-mapped loopback ones.
func TestPublicAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.216.34": true, "2606:4700::6810:85e5": true,
		"127.0.0.1": false, "::1": false, "::ffff:127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.100.100.200": false, "100.64.0.1": false, "198.18.0.1": false, "192.0.0.8": false,
		"240.0.0.1": false, "0.0.0.0": false, "::": false, "fe80::1": false, "fd00::1": false, "64:ff9b::7f00:1": false,
		"224.0.0.1": false, "ff02::1": false, "::ffff:10.0.0.1": false, "192.0.2.10": false,
	} {
		if got := publicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}
