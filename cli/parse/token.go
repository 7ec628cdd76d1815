package parse

import "strings"

// Token is one word of a command line and where it starts.
type Token struct {
	Text string
	Pos  int // byte offset in the line
}

// Tokenize splits a line into words. Double quotes group a word that holds
// spaces (a REGISTER AoR, a description); the quotes are not part of Text.
// An unterminated quote is an error at its position.
func Tokenize(line string) ([]Token, *Error) {
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

// Quote returns s as the tokenizer reads it back: quoted when it holds
// blanks or is empty.
func Quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t") {
		return `"` + s + `"`
	}
	return s
}
