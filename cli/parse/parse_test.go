package parse

import (
	"errors"
	"strings"
	"testing"
)

// grammar: show version | show server [NAME] | set weight N | bind P (R P)+
func testGrammar(ran *string) []*Node {
	rec := func(m *Match) error {
		var parts []string
		if m.Negated {
			parts = append(parts, "no")
		}
		for _, v := range m.Values {
			parts = append(parts, v.Name+"="+v.Text)
		}
		*ran = strings.Join(parts, " ")
		return nil
	}
	num := &Arg{Name: "N", Check: func(s string) error {
		if s == "" || strings.Trim(s, "0123456789") != "" {
			return errors.New("a number")
		}
		return nil
	}}
	r := A(&Arg{Name: "R", Values: func() []string { return []string{"alpha", "beta"} }}, "real")
	p := A(num, "port").Do(rec).Undo(rec)
	r.Next = []*Node{p}
	p.Next = []*Node{r}
	roots := []*Node{
		K("show", "show things",
			K("version", "the version").Do(rec),
			K("server", "servers", A(&Arg{Name: "NAME"}, "one").Do(rec)).Do(rec),
			K("session", "sessions").Do(rec)),
		K("set", "set things", K("weight", "w", A(num, "weight").Do(rec)).Undo(rec)),
		K("bind", "bind", A(num, "vport", r)),
		&Node{Word: "secret-alias", Hidden: true, Run: rec},
	}
	no := &Node{Word: "no", Negate: true, Next: roots}
	return append(roots, no)
}

func TestParse(t *testing.T) {
	var ran string
	g := testGrammar(&ran)
	tests := []struct {
		line    string
		want    string
		kind    ErrorKind
		pos     int
		wantErr bool
	}{
		{line: "show version", want: ""},
		{line: "sh ver", want: ""},
		{line: "SHOW VERSION", want: ""},
		{line: "sh server rs1", want: "NAME=rs1"},
		{line: "set weight 5", want: "N=5"},
		{line: "no set weight", want: "no"},
		{line: "bind 5060 alpha 5060 beta 5070", want: "N=5060 R=alpha N=5060 R=beta N=5070"},
		{line: "no bind 1 alpha 2", want: "no N=1 R=alpha N=2"},
		{line: "secret-alias", want: ""},
		{line: "sh se", wantErr: true, kind: ErrAmbiguous, pos: 3},
		{line: "shwo version", wantErr: true, kind: ErrInvalid, pos: 0},
		{line: "show versoin", wantErr: true, kind: ErrInvalid, pos: 5},
		{line: "set weight x", wantErr: true, kind: ErrInvalid, pos: 11},
		{line: "set weight", wantErr: true, kind: ErrIncomplete},
		{line: "bind 1 alpha", wantErr: true, kind: ErrIncomplete},
		{line: "no show version", wantErr: true, kind: ErrInvalid, pos: 3},
		{line: "secret", wantErr: true, kind: ErrInvalid, pos: 0},
		{line: `show server "two words"`, want: "NAME=two words"},
		{line: `show server "open`, wantErr: true, kind: ErrInvalid, pos: 12},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			ran = "unset"
			m, err := Parse(g, tt.line, nil)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error, want kind %d", tt.kind)
				}
				if err.Kind != tt.kind || (tt.kind != ErrIncomplete && err.Pos != tt.pos) {
					t.Fatalf("error %+v, want kind %d at %d", err, tt.kind, tt.pos)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if e := m.Run(); e != nil {
				t.Fatal(e)
			}
			if ran != tt.want {
				t.Fatalf("handler saw %q, want %q", ran, tt.want)
			}
		})
	}
}

func TestHelpAndComplete(t *testing.T) {
	var ran string
	g := testGrammar(&ran)
	items, err := Help(g, "show ")
	if err != nil {
		t.Fatal(err)
	}
	got := FormatHelp(items)
	want := "  server     servers\n  session    sessions\n  version    the version\n"
	if got != want {
		t.Errorf("help:\n%s\nwant:\n%s", got, want)
	}
	items, _ = Help(g, "show server ")
	if len(items) != 2 || items[0].Word != "NAME" || items[1].Word != "<cr>" {
		t.Errorf("help after optional arg: %+v", items)
	}
	if items, _ := Help(g, "sh"); len(items) != 1 || items[0].Word != "show" {
		t.Errorf("partial help: %+v", items)
	}
	if _, err := Help(g, "frob "); err == nil || err.Pos != 0 {
		t.Errorf("help after a bad word: %v", err)
	}
	var words []string
	for _, it := range Complete(g, "bind 1 a") {
		words = append(words, it.Word)
	}
	if strings.Join(words, ",") != "alpha" {
		t.Errorf("complete real name: %v", words)
	}
	for _, it := range Complete(g, "") {
		if it.Word == "secret-alias" {
			t.Error("hidden alias offered")
		}
	}
	if items, _ := Help(g, "no "); len(items) != 2 {
		t.Errorf("after no only words with a no form: %+v", items)
	}
}

func TestRender(t *testing.T) {
	e := &Error{Kind: ErrInvalid, Pos: 5}
	if got := e.Render(7); got != "            ^\n% Invalid input detected at '^' marker.\n" {
		t.Errorf("render %q", got)
	}
	if got := (&Error{Kind: ErrIncomplete}).Render(3); got != "% Incomplete command.\n" {
		t.Errorf("render %q", got)
	}
}

// TestTokenizeRefusesControl: a control character or a byte that is not
// UTF-8 is an error at its offset, quoted or not; tab separates words but
// is refused inside quotes. Printable shows such text unambiguously.
func TestTokenizeRefusesControl(t *testing.T) {
	for line, pos := range map[string]int{
		"a \"b\nc\"": 4, "a\rb": 1, "x \x1b[2J": 2, "\x07": 0, "a \"b\tc\"": 4, "a\x7f": 1, "a \u0085": 2, "ab\xff": 2,
	} {
		_, err := Tokenize(line)
		if err == nil || err.Pos != pos || err.Kind != ErrInvalid {
			t.Errorf("%q: err %v, want invalid at %d", line, err, pos)
		}
	}
	if toks, err := Tokenize("a\tb \"é ü\""); err != nil || len(toks) != 3 || toks[2].Text != "é ü" {
		t.Errorf("text refused: %v %v", toks, err)
	}
	for in, want := range map[string]string{"plain é": "plain é", "a\x1bb": `a\x1bb`, "\xff\\": `\xff\\`, "x\u009by": `x\u009by`, "t\tn\n": `t\x09n\x0a`} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
