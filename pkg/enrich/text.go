package enrich

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/parley-news/parley/pkg/sentence"
)

// token is one word of a text: a run of letters and digits. Apostrophes,
// hyphens and dots split words, so "Zelenskiy's" is "Zelenskiy" "s" and
// "U.S." is "U" "S"; names in the gazetteer are split the same way.
type token struct {
	start, end int    // byte offsets in the text
	key        string // normalised: lower case, Latin accents folded, Cyrillic stemmed
	lower      string // lower case, folded, not stemmed
	caps       capClass
	script     script
	// sentStart is set on the first word of a sentence (capitalisation
	// there says nothing about a name).
	sentStart bool
	// sent is the index of the sentence holding the word.
	sent int
	// shout is set on the words of a sentence written in capitals, where
	// "US" may be "us" and "WHO" "who".
	shout bool
}

type capClass uint8

const (
	capNone  capClass = iota // no letter case (digits, Arabic)
	capLower                 // starts with a lower-case letter
	capInit                  // starts with an upper-case letter
	capAll                   // two or more letters, all upper case
)

type script uint8

const (
	scriptOther script = iota
	scriptLatin
	scriptCyrillic
	scriptArabic
)

// folder maps Latin letters with diacritics to their base letter and
// normalises a few characters whose variants news text mixes.
type folder struct {
	latin [0x250]rune
}

func newFolder() *folder {
	f := &folder{}
	for r := rune(0); r < 0x250; r++ {
		f.latin[r] = r
		if r < 0xC0 {
			continue
		}
		d := norm.NFD.String(string(r))
		if b, _ := utf8.DecodeRuneInString(d); b < 0x80 && b != utf8.RuneError {
			f.latin[r] = b
		}
	}
	for from, to := range map[rune]rune{'ø': 'o', 'Ø': 'O', 'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'ı': 'i', 'æ': 'a', 'œ': 'o', 'ß': 's'} {
		f.latin[from] = to
	}
	return f
}

func (f *folder) foldRune(r rune) rune {
	switch {
	case r < 0x250:
		return f.latin[r]
	case r == 'ё':
		return 'е'
	case r == 'Ё':
		return 'Е'
	case r == 'أ' || r == 'إ' || r == 'آ':
		return 'ا'
	case r == 'ى':
		return 'ي'
	}
	return r
}

func isWordRune(r rune) bool {
	if r < 0x80 {
		return isASCIIWord(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// tokenize splits text into words and marks sentence starts where
// sentence.EndsAt says a sentence ends (at . ! ? or a line break, but not
// after "U." or "Mr."). ASCII text takes a fast path: a word already
// in lower case is a substring of the text, not a copy.
func (g *Gazetteer) tokenize(text string, toks []token) []token {
	toks = toks[:0]
	sent := 0
	newSent := true
	var buf []byte
	i := 0
	for i < len(text) {
		c := text[i]
		var r rune = rune(c)
		n := 1
		if c >= 0x80 {
			r, n = utf8.DecodeRuneInString(text[i:])
		}
		if !(c < 0x80 && isASCIIWord(c) || c >= 0x80 && isWordRune(r)) {
			if c == '.' || c == '!' || c == '?' || c == '\n' {
				if sentence.EndsAt(text, i) {
					if !newSent {
						sent++
					}
					newSent = true
				}
			}
			i += n
			continue
		}
		start := i
		upper, lowerN := 0, 0
		plain := true // ASCII, no upper case: the key is the text itself
		sc := scriptOther
		for i < len(text) {
			c = text[i]
			if c < 0x80 {
				if !isASCIIWord(c) {
					break
				}
				switch {
				case c >= 'A' && c <= 'Z':
					upper++
					plain = false
				case c >= 'a' && c <= 'z':
					lowerN++
				}
				if sc == scriptOther && (c|0x20) >= 'a' && (c|0x20) <= 'z' {
					sc = scriptLatin
				}
				i++
				continue
			}
			r, n = utf8.DecodeRuneInString(text[i:])
			if !isWordRune(r) {
				break
			}
			plain = false
			if unicode.IsLetter(r) {
				if unicode.IsUpper(r) {
					upper++
				} else if unicode.IsLower(r) {
					lowerN++
				}
				if sc == scriptOther {
					switch {
					case r < 0x250:
						sc = scriptLatin
					case unicode.Is(unicode.Cyrillic, r):
						sc = scriptCyrillic
					case unicode.Is(unicode.Arabic, r):
						sc = scriptArabic
					}
				}
			}
			i += n
		}
		t := token{start: start, end: i, script: sc, sent: sent, sentStart: newSent}
		if plain {
			t.lower = text[start:i]
		} else {
			buf = g.lowerFold(buf[:0], text[start:i])
			t.lower = string(buf)
		}
		first, _ := utf8.DecodeRuneInString(text[start:])
		switch {
		case upper == 0 && lowerN == 0:
			t.caps = capNone
		case upper >= 2 && lowerN == 0:
			t.caps = capAll
		case unicode.IsUpper(first):
			t.caps = capInit
		default:
			t.caps = capLower
		}
		t.key = t.lower
		if sc == scriptCyrillic && t.caps != capAll {
			t.key = cyrKey(t.lower)
		}
		toks = append(toks, t)
		newSent = false
	}
	markShouting(toks)
	return toks
}

// markShouting flags the words of sentences of four or more words that are
// (almost) all in capitals.
func markShouting(toks []token) {
	for i := 0; i < len(toks); {
		j, words, caps := i, 0, 0
		for ; j < len(toks) && toks[j].sent == toks[i].sent; j++ {
			if toks[j].caps != capNone {
				words++
				if toks[j].caps == capAll || toks[j].caps == capInit && len(toks[j].lower) == 1 {
					caps++
				}
			}
		}
		if words >= 4 && caps*10 >= words*8 {
			for k := i; k < j; k++ {
				toks[k].shout = true
			}
		}
		i = j
	}
}

func isASCIIWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// lowerFold appends w in lower case with accents folded, dropping
// combining marks and the Arabic tatweel.
func (g *Gazetteer) lowerFold(buf []byte, w string) []byte {
	for _, r := range w {
		if r == 'ـ' || r >= 0x300 && unicode.Is(unicode.Mn, r) {
			continue
		}
		buf = utf8.AppendRune(buf, g.fold.foldRune(unicode.ToLower(r)))
	}
	return buf
}

// cyrEndings are Russian and Ukrainian case and gender endings, longest
// first. Stripping them maps the inflected forms of a name to one stem:
// Зеленский, Зеленского, Зеленским -> зеленск; Лавров, Лаврова,
// Лавровым -> лавр; Україна, України, Україною -> україн.
var cyrEndingsList = []string{
	"овыми", "евыми",
	"ового", "евого", "овому", "евому", "овыми",
	"овым", "евым", "овой", "евой", "овою", "евою", "ових", "овых", "овим", "евим",
	"ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ией", "иям", "иях", "ією", "ова", "ову", "ове", "ева", "еву", "еве", "ові", "еві",
	"ой", "ей", "ий", "ый", "ая", "яя", "ое", "ее", "ую", "юю", "ые", "ие", "ых", "их", "ым", "им", "ом", "ем", "ам", "ям", "ах", "ях", "ия", "ии", "ию", "ья", "ью", "ов", "ев", "ою", "ею", "ів", "ій", "ої", "ія", "ії", "ію", "ім", "ою", "ої", "ці",
	"а", "я", "о", "е", "у", "ю", "ы", "и", "і", "ї", "ь", "й", "є",
}

// cyrKey is the matching key of a lower-case Cyrillic word: its stem, or
// the word itself when the stem would be shorter than four letters (short
// stems are shared by too many words: Газа and газ, Мали and мало). Names
// with short stems get their inflected forms from cyrForms instead.
func cyrKey(w string) string {
	if s := stemCyrillic(w); utf8.RuneCountInString(s) >= 4 {
		return s
	}
	return w
}

// cyrForms returns the inflected forms of a short Russian or Ukrainian
// noun given in the nominative, by its declension class; indeclinable
// names (Перу, Того, Баку) have none.
func cyrForms(w string) []string {
	cut := func(suffix string, endings ...string) []string {
		base := strings.TrimSuffix(w, suffix)
		out := make([]string, len(endings))
		for i, e := range endings {
			out[i] = base + e
		}
		return out
	}
	switch {
	case strings.HasSuffix(w, "ия"):
		return cut("ия", "ии", "ию", "ией")
	case strings.HasSuffix(w, "ія"):
		return cut("ія", "ії", "ію", "ією")
	case strings.HasSuffix(w, "а"):
		return cut("а", "ы", "и", "е", "у", "ой", "ою", "і")
	case strings.HasSuffix(w, "я"):
		return cut("я", "и", "е", "ю", "ей", "ею", "і", "ї")
	case strings.HasSuffix(w, "й"):
		return cut("й", "я", "ю", "ем", "е", "ї", "єм")
	case strings.HasSuffix(w, "ь"):
		return cut("ь", "и", "ю", "ью", "я", "ем", "і")
	}
	r, _ := utf8.DecodeLastRuneInString(w)
	if strings.ContainsRune("оеиуюіыэ", r) {
		return nil
	}
	return cut("", "а", "у", "ом", "е", "ым", "і", "ові", "ем")
}

// stemCyrillic strips the longest known ending that leaves a stem of at
// least three letters. It is a matching key, not a linguistic stem.
func stemCyrillic(w string) string {
	n := utf8.RuneCountInString(w)
	for _, e := range cyrEndingsList {
		if strings.HasSuffix(w, e) && n-utf8.RuneCountInString(e) >= 3 {
			return w[:len(w)-len(e)]
		}
	}
	return w
}
