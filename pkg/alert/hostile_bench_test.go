package alert

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/article"
)

// hostileArticle is about 200 KB of text drawn from a small vocabulary, so
// that every word a hostile rule names occurs many times.
func hostileArticle() *article.Article {
	rng := rand.New(rand.NewPCG(7, 7))
	words := strings.Fields("the of and to in a is that for on with as by at from talks minister summit ceasefire said")
	var b strings.Builder
	for b.Len() < 200<<10 {
		b.WriteString(words[rng.IntN(len(words))])
		b.WriteByte(' ')
	}
	return &article.Article{ID: "h", Title: "Talks", Body: b.String()}
}

// hostileRules are n rules of the largest query a caller may store, in
// the shapes that cost the matcher most: negated words absent from the
// article (every rule is tried on every article), negated phrases whose
// words all occur but never side by side, and an OR of such phrases.
func hostileRules(b testing.TB, n, terms int) []*Rule {
	var rules []*Rule
	for i := range n {
		var q strings.Builder
		switch i % 3 {
		case 0:
			for k := range terms {
				fmt.Fprintf(&q, "-w%dx%d ", i, k)
			}
		case 1:
			for range terms / 2 {
				q.WriteString(`-"said said" `)
			}
		case 2:
			q.WriteString("(")
			for k := range terms / 2 {
				if k > 0 {
					q.WriteString(" OR ")
				}
				q.WriteString(`"ceasefire ceasefire"`)
			}
			q.WriteString(")")
		}
		r, err := RuleConfig{Name: fmt.Sprintf("hostile-%d", i), Query: q.String()}.Compile(nil)
		if err != nil {
			b.Fatal(err)
		}
		rules = append(rules, r)
	}
	return rules
}

// BenchmarkHostileRules (make bench-hostile): 50 rules of the most terms a
// rule may have against a 200 KB article (the issue measured 8 s per
// article for 50 rules of 3,000 negated terms before queries were
// limited), and as many as MaxRuleTerms allows, next to one
// plain rule tried on every article: the difference is what the hostile
// rules cost beyond analysing the article, which every article costs.
func BenchmarkHostileRules(b *testing.B) {
	a := hostileArticle()
	plain, err := RuleConfig{Name: "plain", Query: "-zzzz"}.Compile(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		rules []*Rule
	}{
		{"one plain rule", []*Rule{plain}},
		{"50 hostile rules of 256 terms", hostileRules(b, 50, 256)},
		{"390 hostile rules of 256 terms (all of MaxRuleTerms)", hostileRules(b, MaxRuleTerms/256, 256)},
		{"50 hostile NEAR and SENTENCE rules of 256 terms", hostileNearRules(b, 50)},
	} {
		ix := NewIndex(bc.rules)
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				ix.Match(a)
			}
		})
	}
}

// hostileNearRules are n NEAR/50 and SENTENCE rules of 256 terms whose
// operands are 64 phrases of the article's words each: every word of the
// article starts an alternative, and most are near one of the other's.
func hostileNearRules(b testing.TB, n int) []*Rule {
	words := strings.Fields("the of and to in a is that for on with as by at from talks minister summit ceasefire said")
	operand := func(off int) string {
		var alts []string
		for k := range 64 {
			alts = append(alts, fmt.Sprintf(`"%s %s"`, words[(k+off)%len(words)], words[(k/len(words)+off)%len(words)]))
		}
		return "(" + strings.Join(alts, " OR ") + ")"
	}
	var rules []*Rule
	for i := range n {
		op := "NEAR/50"
		if i%2 == 1 {
			op = "SENTENCE"
		}
		q := fmt.Sprintf("%s(%s, %s)", op, operand(i), operand(i+7))
		r, err := RuleConfig{Name: fmt.Sprintf("near-%d", i), Query: q}.Compile(nil)
		if err != nil {
			b.Fatal(err)
		}
		rules = append(rules, r)
	}
	return rules
}
