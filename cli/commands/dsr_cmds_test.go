package commands

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"sipslb/slb/config"
)

func TestDataInterfaceCommands(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  config.DataInterface
		err   string // substring of the error of the last line
	}{
		{name: "interface", lines: []string{"ip data-interface eth1"}, want: config.DataInterface{Name: "eth1"}},
		{name: "address with mask", lines: []string{"ip address 198.51.100.2 255.255.255.0"},
			want: config.DataInterface{Addr: netip.MustParsePrefix("198.51.100.2/24")}},
		{name: "address with prefix", lines: []string{"ip address 198.51.100.2/25"},
			want: config.DataInterface{Addr: netip.MustParsePrefix("198.51.100.2/25")}},
		{name: "both", lines: []string{"ip data-interface lb-eth0", "ip address 10.0.0.2 255.0.0.0"},
			want: config.DataInterface{Name: "lb-eth0", Addr: netip.MustParsePrefix("10.0.0.2/8")}},
		{name: "no forms", lines: []string{"ip data-interface eth1", "ip address 10.0.0.2/8", "no ip data-interface", "no ip address"}},
		{name: "bad mask", lines: []string{"ip address 10.0.0.2 255.0.255.0"}, err: "netmask"},
		{name: "no mask", lines: []string{"ip address 10.0.0.2"}, err: "netmask or a /prefix-length"},
		{name: "mask and prefix", lines: []string{"ip address 10.0.0.2/8 255.0.0.0"}, err: "not both"},
		{name: "ipv6", lines: []string{"ip address 2001:db8::1/64"}, err: "IPv4"},
		{name: "bad name", lines: []string{"ip data-interface a/b"}, err: "interface name"},
		{name: "long name", lines: []string{"ip data-interface abcdefghijklmnop"}, err: "interface name"},
		{name: "loopback address", lines: []string{"ip address 127.0.0.2/8"}, err: "cannot be the appliance's address"},
		{name: "vip equals own address", lines: []string{"server virtual v 10.0.0.2", "exit", "ip address 10.0.0.2/8"}, err: "the VIP is the appliance's own address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := New(&fakeBackend{}, nil)
			s := in.Open("root", PrivSuper, "test")
			_, err := execLines(t, in, s, append([]string{"configure terminal"}, tt.lines...)...)
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want one containing %q", err, tt.err)
			case tt.err != "":
				return
			}
			if diff := cmp.Diff(tt.want, in.Config().DataIf, cmpopts.EquateComparable(netip.Prefix{})); diff != "" {
				t.Errorf("DataIf (-want +got):\n%s", diff)
			}
			// running-config replays to the same model and bytes.
			text := Render(in.Config())
			got, errs := Check([]byte(text))
			if len(errs) > 0 {
				t.Fatalf("replay: %v\n%s", errs, text)
			}
			if Render(got) != text {
				t.Errorf("not byte-identical after replay:\n%s", text)
			}
		})
	}
}

func TestDataInterfaceRendered(t *testing.T) {
	c := config.New()
	c.DataIf = config.DataInterface{Name: "eth1", Addr: netip.MustParsePrefix("198.51.100.2/24")}
	text := Render(c)
	for _, want := range []string{"\nip data-interface eth1\n", "\nip address 198.51.100.2 255.255.255.0\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("running-config lacks %q:\n%s", want, text)
		}
	}
}
