package parse

import (
	"slices"
	"strings"
)

// Parse matches line against the grammar roots. On success the returned
// Match names the handler to run (see Match.Handler).
func Parse(roots []*Node, line string, env any) (*Match, *Error) {
	toks, err := Tokenize(line)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &Error{Kind: ErrIncomplete}
	}
	m := &Match{Line: line, Tokens: toks, Env: env}
	cands := roots
	for i, t := range toks {
		n, e := pick(cands, t, m.Negated)
		if e != nil {
			e.Depth = i
			return nil, e
		}
		m.Nodes = append(m.Nodes, n)
		if n.Negate {
			m.Negated = true
		}
		if n.Arg != nil {
			m.Values = append(m.Values, Value{Name: n.Arg.Name, Text: t.Text, Pos: t.Pos})
		}
		cands = n.Next
	}
	last := m.Nodes[len(m.Nodes)-1]
	if m.handler(last) == nil {
		end := len(line)
		return nil, &Error{Kind: ErrIncomplete, Pos: end, Depth: len(toks)}
	}
	return m, nil
}

func (m *Match) handler(n *Node) Handler {
	if m.Negated {
		return n.NoRun
	}
	return n.Run
}

// Run calls the handler of the matched line.
func (m *Match) Run() error { return m.handler(m.Nodes[len(m.Nodes)-1])(m) }

// pick chooses the node for token t: an exact keyword, else the one keyword
// it abbreviates, else the first argument that accepts it.
func pick(cands []*Node, t Token, negated bool) (*Node, *Error) {
	word := strings.ToLower(t.Text)
	var prefix []*Node
	for _, n := range cands {
		if n.Arg != nil || !usable(n, negated) {
			continue
		}
		if n.Word == word {
			return n, nil
		}
		if strings.HasPrefix(n.Word, word) {
			prefix = append(prefix, n)
		}
	}
	// Hidden aliases only count when typed in full.
	prefix = slices.DeleteFunc(prefix, func(n *Node) bool { return n.Hidden })
	if len(prefix) == 1 {
		return prefix[0], nil
	}
	if len(prefix) > 1 {
		return nil, &Error{Kind: ErrAmbiguous, Pos: t.Pos, Word: t.Text}
	}
	var firstErr error
	for _, n := range cands {
		if n.Arg == nil || !usable(n, negated) {
			continue
		}
		if n.Arg.Check == nil {
			return n, nil
		}
		err := n.Arg.Check(t.Text)
		if err == nil {
			return n, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	e := &Error{Kind: ErrInvalid, Pos: t.Pos}
	if firstErr != nil {
		e.Msg = firstErr.Error()
	}
	return nil, e
}

// usable hides, after "no", the words that lead to no "no" form.
func usable(n *Node, negated bool) bool {
	return !negated || canNo(n, map[*Node]bool{})
}

func canNo(n *Node, seen map[*Node]bool) bool {
	if n.NoRun != nil {
		return true
	}
	if seen[n] {
		return false
	}
	seen[n] = true
	for _, c := range n.Next {
		if canNo(c, seen) {
			return true
		}
	}
	return false
}

// walk matches every word but the last (partial) one and returns the
// candidates for the next word.
func walk(roots []*Node, toks []Token) (cands []*Node, cur *Node, negated bool, err *Error) {
	cands = roots
	for i, t := range toks {
		n, e := pick(cands, t, negated)
		if e != nil {
			e.Depth = i
			return nil, nil, false, e
		}
		if n.Negate {
			negated = true
		}
		cur = n
		cands = n.Next
	}
	return cands, cur, negated, nil
}

// HelpItem is one line of a "?" listing.
type HelpItem struct {
	Word string
	Help string
}

// Help answers "?" at the end of line: with a partial word before it
// ("sh?") the keywords that word abbreviates; after a blank ("show ?") the
// words that may come next, and <cr> when the line could end here.
func Help(roots []*Node, line string) ([]HelpItem, *Error) {
	toks, err := Tokenize(line)
	if err != nil {
		return nil, err
	}
	partial := ""
	if len(toks) > 0 && !strings.HasSuffix(line, " ") && !strings.HasSuffix(line, "\t") {
		partial = strings.ToLower(toks[len(toks)-1].Text)
		toks = toks[:len(toks)-1]
	}
	cands, cur, negated, e := walk(roots, toks)
	if e != nil {
		return nil, e
	}
	var out []HelpItem
	for _, n := range cands {
		if n.Hidden || !usable(n, negated) {
			continue
		}
		if n.Arg != nil {
			if partial == "" || n.Arg.Check == nil || n.Arg.Check(partial) == nil {
				out = append(out, HelpItem{Word: n.Arg.Name, Help: n.Help})
			}
			continue
		}
		if strings.HasPrefix(n.Word, partial) {
			out = append(out, HelpItem{Word: n.Word, Help: n.Help})
		}
	}
	slices.SortStableFunc(out, func(a, b HelpItem) int { return strings.Compare(a.Word, b.Word) })
	if partial == "" && cur != nil {
		h := cur.Run
		if negated {
			h = cur.NoRun
		}
		if h != nil {
			out = append(out, HelpItem{Word: "<cr>"})
		}
	}
	if len(out) == 0 {
		pos := len(line)
		return nil, &Error{Kind: ErrInvalid, Pos: pos}
	}
	return out, nil
}

// FormatHelp lays a listing out in two columns, as IOS prints it.
func FormatHelp(items []HelpItem) string {
	w := 0
	for _, it := range items {
		w = max(w, len(it.Word))
	}
	var b strings.Builder
	for _, it := range items {
		b.WriteString("  ")
		b.WriteString(it.Word)
		if it.Help != "" {
			b.WriteString(strings.Repeat(" ", w-len(it.Word)+4))
			b.WriteString(it.Help)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Complete returns the completions of the last word of line (empty when the
// line ends in a blank): keywords it abbreviates and known argument values,
// each with its help text.
func Complete(roots []*Node, line string) []HelpItem {
	toks, err := Tokenize(line)
	if err != nil {
		return nil
	}
	partial := ""
	if len(toks) > 0 && !strings.HasSuffix(line, " ") {
		partial = toks[len(toks)-1].Text
		toks = toks[:len(toks)-1]
	}
	cands, _, negated, e := walk(roots, toks)
	if e != nil {
		return nil
	}
	var out []HelpItem
	lp := strings.ToLower(partial)
	for _, n := range cands {
		if n.Hidden || !usable(n, negated) {
			continue
		}
		if n.Arg == nil {
			if strings.HasPrefix(n.Word, lp) {
				out = append(out, HelpItem{Word: n.Word, Help: n.Help})
			}
			continue
		}
		if n.Arg.Values == nil {
			continue
		}
		for _, v := range n.Arg.Values() {
			if strings.HasPrefix(v, partial) {
				out = append(out, HelpItem{Word: v, Help: n.Help})
			}
		}
	}
	return out
}
