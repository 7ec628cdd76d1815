package health

import (
	"errors"
	"testing"
)

func TestParseCodes(t *testing.T) {
	tests := []struct {
		name, in, canon string
		has, hasNot     []int
	}{
		{"single", "200", "200", []int{200}, []int{199, 201}},
		{"range and code", "200-299,401", "200-299,401", []int{200, 250, 299, 401}, []int{300, 400, 402}},
		{"blanks and order", " 401 , 200 - 202 ", "200-202,401", []int{200, 201, 202, 401}, []int{203}},
		{"adjacent merge", "200,201,202,204", "200-202,204", []int{202, 204}, []int{203}},
		{"overlap", "200-250,240-260", "200-260", []int{260}, []int{261}},
		{"one-code range", "404-404", "404", []int{404}, []int{403, 405}},
		{"pair", "200,201", "200-201", []int{200, 201}, nil},
		{"limits", "100,699", "100,699", []int{100, 699}, []int{101, 698}},
		{"everything", "100-699", "100-699", []int{100, 699}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseCodes(tt.in)
			if err != nil {
				t.Fatalf("ParseCodes(%q): %v", tt.in, err)
			}
			if got := s.String(); got != tt.canon {
				t.Errorf("String() = %q, want %q", got, tt.canon)
			}
			for _, c := range tt.has {
				if !s.Has(c) {
					t.Errorf("missing %d", c)
				}
			}
			for _, c := range tt.hasNot {
				if s.Has(c) {
					t.Errorf("unexpected %d", c)
				}
			}
			again, err := ParseCodes(s.String())
			if err != nil || again != s {
				t.Errorf("round trip of %q: %v, %v", s.String(), again, err)
			}
		})
	}
}

func TestParseCodesRejects(t *testing.T) {
	for _, in := range []string{"", " ", "99", "700", "2OO", "200-", "-200", "299-200", "200,,201", "200;201", "0200", "+200", "200-300-400"} {
		t.Run(in, func(t *testing.T) {
			if s, err := ParseCodes(in); !errors.Is(err, ErrBadCodes) {
				t.Errorf("ParseCodes(%q) = %v, %v; want ErrBadCodes", in, s, err)
			}
		})
	}
}

func TestCodeSetEmptyAndOutOfRange(t *testing.T) {
	var s CodeSet
	if !s.Empty() || s.String() != "" {
		t.Fatalf("zero CodeSet: Empty %v String %q", s.Empty(), s.String())
	}
	if s.Add(99) || s.Add(700) || !s.Empty() {
		t.Fatal("Add accepted a code outside 100-699")
	}
	if s.Has(-1) || s.Has(1000) {
		t.Fatal("Has out of range")
	}
}
