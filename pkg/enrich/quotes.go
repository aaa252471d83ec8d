package enrich

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/parley-news/parley/pkg/article"
)

// span is a quotation: the text between the marks, as byte offsets.
type span struct{ open, start, end, close int }

// maxQuoteBytes bounds the search for a closing mark, so text with many
// unclosed marks costs linear time.
const maxQuoteBytes = 4000

// findQuotes returns the direct quotations of text: “...”, "...", «...»,
// „...“ and ‘...’ (the last only when ‘ opens a word and ’ closes one, so
// apostrophes are not taken for quotes). Quotations of fewer than two
// words are scare quotes and are left out.
func findQuotes(text string) []span {
	var out []span
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		var closers string
		switch r {
		case '“':
			closers = "”“"
		case '«':
			closers = "»"
		case '„':
			closers = "“”"
		case '"':
			closers = "\""
		case '‘':
			closers = "’"
		}
		if closers == "" {
			i += n
			continue
		}
		if r == '"' || r == '‘' {
			if i > 0 {
				p, _ := utf8.DecodeLastRuneInString(text[:i])
				if unicode.IsLetter(p) || unicode.IsDigit(p) {
					i += n
					continue
				}
			}
		}
		end := -1
		for j := i + n; j < len(text) && j-i < maxQuoteBytes; {
			q, m := utf8.DecodeRuneInString(text[j:])
			if q == '\n' && j+1 < len(text) && text[j+1] == '\n' {
				break // a quote does not run over a paragraph
			}
			if strings.ContainsRune(closers, q) {
				if q == '’' && j+m < len(text) {
					nx, _ := utf8.DecodeRuneInString(text[j+m:])
					if unicode.IsLetter(nx) {
						j += m
						continue
					}
				}
				end = j
				break
			}
			j += m
		}
		if end < 0 {
			i += n
			continue
		}
		_, cm := utf8.DecodeRuneInString(text[end:])
		s := span{open: i, start: i + n, end: end, close: end + cm}
		if len(strings.Fields(text[s.start:s.end])) >= 2 {
			out = append(out, s)
		}
		i = s.close
	}
	return out
}

var pronouns = map[string]bool{"he": true, "she": true, "they": true, "он": true, "она": true, "він": true, "вона": true, "il": true, "elle": true, "er": true, "sie": true}

// nonEnglishSpeech are speech verbs of the other languages parley reads
// (Cyrillic ones stemmed like the tokens).
var nonEnglishSpeech = map[string]bool{
	"сказал": true, "заявил": true, "добавил": true, "написал": true, "отметил": true, "подчеркнул": true, "пояснил": true, "ответил": true, "сообщил": true, "признал": true,
	"сказав": true, "заявив": true, "додав": true, "додал": true, "написав": true, "зазначив": true, "зазначил": true, "наголосив": true, "наголосил": true, "підкреслив": true, "підкреслил": true, "відповів": true, "повідомив": true, "повідомил": true,
	"déclaré": true, "declare": true, "dit": true, "affirme": true, "sagte": true, "erklarte": true, "betonte": true, "dijo": true, "afirmo": true, "declaro": true, "قال": true,
}

func isSpeechVerb(t *token) bool {
	return speechVerbs[t.lower] || nonEnglishSpeech[t.lower] || nonEnglishSpeech[t.key]
}

// roleNouns are words that name an unnamed speaker: "one US official said".
var roleNouns = map[string]bool{
	"official": true, "officials": true, "diplomat": true, "diplomats": true, "source": true, "sources": true,
	"spokesman": true, "spokeswoman": true, "spokesperson": true, "minister": true, "aide": true, "envoy": true,
	"negotiator": true, "negotiators": true, "analyst": true, "expert": true, "lawmaker": true, "senator": true,
	"officer": true, "ambassador": true, "adviser": true, "advisor": true, "statement": true, "ministry": true,
	"office": true, "government": true, "spokespeople": true, "aides": true,
}

var speakerSkip = map[string]bool{
	"one": true, "a": true, "an": true, "another": true, "the": true, "two": true, "senior": true, "unnamed": true,
	"anonymous": true, "second": true, "top": true, "high": true, "ranking": true,
}

// quoteCtx carries what attribution needs about the text.
type quoteCtx struct {
	g    *Gazetteer
	text string
	toks []token
	ms   []mention
	// mentionAt maps a word index to the mention covering it, or -1.
	mentionAt []int
}

// quotes finds the direct quotations of text and who said them.
func (g *Gazetteer) quotes(text string, toks []token, ms []mention) []article.Quote {
	spans := findQuotes(text)
	if len(spans) == 0 {
		return nil
	}
	qc := quoteCtx{g: g, text: text, toks: toks, ms: ms, mentionAt: make([]int, len(toks))}
	for i := range qc.mentionAt {
		qc.mentionAt[i] = -1
	}
	for mi, m := range ms {
		for k := m.from; k < m.to; k++ {
			qc.mentionAt[k] = mi
		}
	}
	var out []article.Quote
	var last article.Quote
	lastSent := -10
	for _, s := range spans {
		q := article.Quote{Text: strings.TrimRight(strings.TrimSpace(text[s.start:s.end]), ",")}
		q.Speaker, q.SpeakerID = qc.attribute(s)
		// A quotation that continues the previous speaker's ("..., he
		// added") without a new name keeps that speaker.
		if q.Speaker == "" && last.Speaker != "" && qc.sentOf(s.open) <= lastSent+1 && qc.continuation(s) {
			q.Speaker, q.SpeakerID = last.Speaker, last.SpeakerID
		}
		out = append(out, q)
		if q.Speaker != "" {
			last, lastSent = q, qc.sentOf(s.open)
		}
	}
	return out
}

// firstTok returns the index of the first word starting at or after off.
func (qc *quoteCtx) firstTok(off int) int {
	lo, hi := 0, len(qc.toks)
	for lo < hi {
		m := (lo + hi) / 2
		if qc.toks[m].start < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (qc *quoteCtx) sentOf(off int) int {
	i := qc.firstTok(off)
	if i < len(qc.toks) {
		return qc.toks[i].sent
	}
	if len(qc.toks) > 0 {
		return qc.toks[len(qc.toks)-1].sent
	}
	return 0
}

// continuation reports whether the words after the quote are only a
// pronoun and a speech verb, or nothing.
func (qc *quoteCtx) continuation(s span) bool {
	i := qc.firstTok(s.close)
	if i >= len(qc.toks) || qc.toks[i].start-s.close > 8 || qc.toks[i].sentStart {
		return false
	}
	return pronouns[qc.toks[i].lower] || isSpeechVerb(&qc.toks[i])
}

// attribute finds the speaker of the quotation s: after it ("..., said
// Zelensky", "..., Peskov told reporters", "..., one US official said",
// "..., he said") or before it in the same sentence ("Kremlin spokesman
// Dmitry Peskov said that ... “...”", "according to Lavrov, “...”").
func (qc *quoteCtx) attribute(s span) (string, string) {
	toks := qc.toks
	// After the quote: up to eight words, in the quote's sentence.
	// A new sentence after the quote ("... yet.” A senior diplomat said")
	// is not its attribution.
	a := qc.firstTok(s.close)
	if a < len(toks) && toks[a].start-s.close <= 8 && !strings.ContainsAny(qc.text[s.close:toks[a].start], "\n.!?") &&
		!(toks[a].sentStart && (toks[a].caps == capInit || toks[a].caps == capAll)) {
		lim := min(a+10, len(toks))
		if toks[a].lower == "according" && a+1 < len(toks) && toks[a+1].lower == "to" {
			if name, id, ok := qc.speakerAfter(a+2, lim); ok {
				return name, id // "“...”, according to Lavrov."
			}
		}
		for k := a; k < lim; k++ {
			if k > a && toks[k].sent != toks[a].sent {
				break
			}
			if isSpeechVerb(&toks[k]) {
				if k > a {
					// "..., Peskov told reporters" / "..., one US official said"
					if name, id, ok := qc.speakerBefore(a, k); ok {
						return name, id
					}
				}
				// "..., said Zelensky" / "..., said one official"
				if name, id, ok := qc.speakerAfter(k+1, lim); ok {
					return name, id
				}
				break
			}
		}
	}
	// Before the quote, in its sentence: the last speech verb.
	b := qc.firstTok(s.open) - 1
	if b < 0 {
		return "", ""
	}
	sent := toks[b].sent
	for k := b; k >= 0 && toks[k].sent == sent; k-- {
		t := &toks[k]
		if t.lower == "to" && k > 0 && toks[k-1].lower == "according" {
			if name, id, ok := qc.speakerAfter(k+1, b+1); ok {
				return name, id
			}
			break
		}
		if !isSpeechVerb(t) {
			continue
		}
		// Speaker just before the verb, allowing a few adverbs and
		// auxiliaries ("Peskov previously stated", "Lavrov has said").
		start := k - 1
		for start >= 0 && toks[start].sent == sent && k-start <= 3 && (strings.HasSuffix(toks[start].lower, "ly") || toks[start].lower == "has" || toks[start].lower == "had" || toks[start].lower == "also" || toks[start].lower == "have" || toks[start].lower == "then" || qc.mentionAt[start] < 0 && toks[start].lower == "later") {
			start--
		}
		// Skip a clause set off by commas between subject and verb: "A
		// senior diplomat, speaking on condition of anonymity, said".
		if start >= 0 && start+1 < len(toks) && strings.Contains(qc.text[toks[start].end:toks[start+1].start], ",") {
			for j := start - 1; j >= 0 && start-j <= 12 && toks[j].sent == sent; j-- {
				if strings.Contains(qc.text[toks[j].end:toks[j+1].start], ",") {
					start = j
					break
				}
			}
		}
		if start >= 0 && toks[start].sent == sent {
			lo := start
			for lo > 0 && toks[lo-1].sent == sent && start-lo < 6 {
				lo--
			}
			if name, id, ok := qc.speakerBefore(lo, start+1); ok {
				return name, id
			}
		}
		if name, id, ok := qc.speakerAfter(k+1, min(k+6, b+1)); ok {
			return name, id
		}
		break
	}
	return "", ""
}

// speakerBefore resolves the speaker among words [lo, hi) that end right
// before a speech verb: the last named person, else the last entity, else
// a role ("US official"), else a pronoun.
func (qc *quoteCtx) speakerBefore(lo, hi int) (string, string, bool) {
	if hi-1 >= 0 && hi-1 < len(qc.toks) {
		if mi := qc.mentionAt[hi-1]; mi >= 0 {
			e := qc.g.entries[qc.ms[mi].entry]
			if e.Kind == KindPerson || e.Kind == KindOrganization || e.Kind == KindPlace && e.Seat {
				return e.Name, e.ID, true
			}
		}
	}
	last := qc.toks[hi-1]
	if roleNouns[last.lower] {
		return qc.role(lo, hi), "", true // "Zelensky's office", "one US official"
	}
	for k := hi - 1; k >= lo; k-- {
		mi := qc.mentionAt[k]
		if mi < 0 || qc.g.entries[qc.ms[mi].entry].Kind != KindPerson {
			continue
		}
		if end := qc.ms[mi].to; end < len(qc.toks) && qc.toks[end].lower == "s" && qc.toks[end].start-qc.toks[end-1].end == 1 {
			continue // a possessive: "Zelensky's aide"
		}
		e := qc.g.entries[qc.ms[mi].entry]
		return e.Name, e.ID, true
	}
	if pronouns[last.lower] {
		return qc.pronoun(hi - 1)
	}
	return "", "", false
}

// speakerAfter resolves a speaker among words [lo, hi) after a speech verb.
func (qc *quoteCtx) speakerAfter(lo, hi int) (string, string, bool) {
	hi = min(hi, len(qc.toks))
	if lo >= hi {
		return "", "", false
	}
	if mi := qc.mentionAt[lo]; mi >= 0 {
		e := qc.g.entries[qc.ms[mi].entry]
		return e.Name, e.ID, true
	}
	for k := lo; k < hi && k < lo+5; k++ {
		if mi := qc.mentionAt[k]; mi >= 0 && qc.g.entries[qc.ms[mi].entry].Kind == KindPerson {
			e := qc.g.entries[qc.ms[mi].entry]
			return e.Name, e.ID, true
		}
		if roleNouns[qc.toks[k].lower] {
			return qc.role(lo, k+1), "", true
		}
		if k > lo && qc.toks[k].sent != qc.toks[lo].sent {
			break
		}
	}
	if pronouns[qc.toks[lo].lower] {
		return qc.pronoun(lo)
	}
	return "", "", false
}

// role names an unnamed speaker from the words before a role noun,
// dropping articles and vague qualifiers: "one US official" -> "US official".
func (qc *quoteCtx) role(lo, hi int) string {
	k := hi - 1
	first := k
	for j := k - 1; j >= lo && k-j <= 3; j-- {
		t := qc.toks[j]
		if speakerSkip[t.lower] || pronouns[t.lower] || isSpeechVerb(&t) || t.sent != qc.toks[k].sent {
			break
		}
		first = j
	}
	return qc.text[qc.toks[first].start:qc.toks[k].end]
}

// pronoun resolves "he said" to the one person named in the previous
// sentence (or earlier in the same one); several people leave it open.
func (qc *quoteCtx) pronoun(at int) (string, string, bool) {
	sent := qc.toks[at].sent
	for _, target := range []int{sent, sent - 1} {
		var found []int32 // distinct people named in the target sentence
		for _, m := range qc.ms {
			if target == sent && m.from >= at {
				break
			}
			if qc.toks[m.from].sent != target || qc.g.entries[m.entry].Kind != KindPerson {
				continue
			}
			if !slices.Contains(found, m.entry) {
				found = append(found, m.entry)
			}
		}
		if len(found) == 1 {
			e := qc.g.entries[found[0]]
			return e.Name, e.ID, true
		}
		if len(found) > 1 {
			return "", "", false
		}
	}
	return "", "", false
}
