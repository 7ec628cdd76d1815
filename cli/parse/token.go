package parse

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one word of a command line and where it starts.
type Token struct {
	Text string
	Pos  int // byte offset in the line
}

// Tokenize splits a line into words. Double quotes group a word that holds
// spaces (a REGISTER AoR, a description); the quotes are not part of Text.
// An unterminated quote is an error at its position.
//
// A line is text: a control character (C0, DEL, C1) or a byte that is not
// UTF-8 is an error at its position, quoted or not, blanks aside (space
// and tab separate words; a tab inside quotes is refused too). A value
// holding a newline would otherwise be saved by write memory as two lines,
// and the second one would run at the next reload.
func Tokenize(line string) ([]Token, *Error) {
	if pos, msg := firstNonText(line); pos >= 0 {
		return nil, &Error{Kind: ErrInvalid, Pos: pos, Msg: msg}
	}
	var toks []Token
	i := 0
	for i < len(line) {
		c := line[i]
		if c == ' ' || c == '\t' {
			i++
			continue
		}
		start := i
		if c == '"' {
			end := strings.IndexByte(line[i+1:], '"')
			if end < 0 {
				return nil, &Error{Kind: ErrInvalid, Pos: start, Msg: "unterminated quote"}
			}
			if t := strings.IndexByte(line[i+1:i+1+end], '\t'); t >= 0 {
				return nil, &Error{Kind: ErrInvalid, Pos: i + 1 + t, Msg: "control character 0x09 (tab) in a quoted value"}
			}
			toks = append(toks, Token{Text: line[i+1 : i+1+end], Pos: start})
			i += end + 2
			continue
		}
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			i++
		}
		toks = append(toks, Token{Text: line[start:i], Pos: start})
	}
	return toks, nil
}

// firstNonText returns the offset of the first byte of line that is not
// text (tab aside) and why, or -1.
func firstNonText(line string) (int, string) {
	for i, r := range line {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(line[i:], "\uFFFD"):
			return i, fmt.Sprintf("byte 0x%02x is not UTF-8 text", line[i])
		case r == '\t':
		case unicode.IsControl(r):
			return i, fmt.Sprintf("control character %U is not allowed", r)
		}
	}
	return -1, ""
}

// Printable returns s with every control character and every byte that is
// not UTF-8 written as \xNN (\u00NN for C1 controls), so that text read
// from a file or a peer can be shown on a terminal without acting on it.
// A backslash is doubled, so the result reads back unambiguously.
func Printable(s string) string {
	if pos, _ := firstNonText(s); pos < 0 && !strings.ContainsAny(s, "\t\\") {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Quote returns s as the tokenizer reads it back: quoted when it holds
// blanks or is empty, or holds a "?" (a line ending in "?" asks for help).
func Quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t?") {
		return `"` + s + `"`
	}
	return s
}
