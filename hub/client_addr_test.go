package hub

import "testing"

func TestAddressKeyGroupsIPv6By64(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"not an address", "not an address"},
	}
	for _, tc := range tests {
		if got := addressKeyOf(tc.in); got != tc.want {
			t.Errorf("addressKeyOf(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
