package extract

import (
	"regexp"
	"strings"
	"unicode"
)

var (
	// strongBoilerplate opens a paragraph that is never article text,
	// wherever it stands: cross-links and legal lines.
	strongBoilerplate = regexp.MustCompile(`(?i)^\s*[\[(]?\s*(?:related(?: post| stories| articles| coverage| content)?\s*:|read more\s*:|read also\s*:|also read\s*:|see also\s*:|recommended\s*:|more from|click here to (?:get|download|subscribe|sign up|read|follow)|copyright\b|all rights reserved|this copy is for your personal|citation\s*:|©|ⓒ|more ap\b|` +
		// the same cross-links in the other languages of diplomatic news
		`(?:à )?lire aussi\s*:|voir aussi\s*:|lesen sie auch\s*:|mehr zum thema\s*:|le[ae]r? también\s*:|vea también\s*:|leia também\s*:|leia mais\s*:|leggi anche\s*:|czytaj (?:także|też)\s*:|читайте (?:также|також)\s*:|см\. также\s*:)`)
	// edgeBoilerplate opens a call to action; it is boilerplate only in
	// the run of paragraphs at the start or the end of the text, since
	// an article (a how-to, say) may use the same words in its body.
	edgeBoilerplate = regexp.MustCompile(`(?i)^\s*[\[(]?\s*(?:sign up|subscribe|follow (?:us|him|her|@|\S+ on)|like this (?:story|article)|share (?:this|it)|have a tip|listen (?:to|:)|watch\s*:|get the latest|tags\s*:?(?:\s|$)|advertisement\b|read (?:the )?more\b|more great|(?:last )?updated\b|published\b|posted (?:on|at|by)\b|don't miss|download (?:the|our) app|https?://\S+\s*$|www\.\S+\s*$)`)
)

// markerLine is a paragraph that only marks a place in the page, never
// article text wherever it stands: an advertisement's label between an
// article's paragraphs ("ADVERTISEMENT", "Anzeige"), a press release's
// end mark ("###", "-30-"), "Story continues below", a story's pager.
var markerLine = regexp.MustCompile(`(?i)^\s*(?:advertisement|advertisment|anzeige|publicité|publicidad|publicidade|pubblicità|reklama|реклама|#\s*#\s*#|-\s*30\s*-|` +
	// the marker over an advertisement set inside a story
	`(?:story|article) continues (?:below|after (?:this|the) (?:advertisement|ad))|` +
	// a story's pager: "Page 1 of 3 1 2 3 Next >>", "« Previous 1 2 3 Next »"
	`page\s+\d+\s+of\s+\d+(?:\s*(?:\d+\s*[|·]?\s*){2,}(?:next\s*(?:page)?\s*[»>]*)?)?|` +
	`(?:[«<]+\s*(?:prev(?:ious)?|back)\s*)?(?:\d+\s*[|·]?\s*){2,}next\s*(?:page)?\s*[»>]*)\s*$`)

// commentsHeading is a paragraph that only names the comments below an
// article, in the languages of diplomatic news: "Comments", "Reader
// comments (3)", "Leave a comment", "Kommentare", "Комментарии"; and, with
// their number only, the words that also head sections of articles ("12
// Responses to ...", "3 Reactions"; a bare "Reactions" or "Discussion" is
// an article's subheading).
var commentsHeading = regexp.MustCompile(`(?i)^\s*(?:` +
	`(?:\d+\s+|(?:leave|post|add|write)\s+an?\s+|your\s+|readers?'?\s+|user\s+)?(?:comments?|reply|kommentare?|commentaires?|comentarios?|comentários|commenti|reacties|komentarze|комментари[ийя]|коментарі)\s*(?:\(\d+\)|:?\s*\d+)?\s*:?` +
	`|\d+\s+(?:responses?|replies|reactions?|réactions|trackbacks?)(?:\s+to\s.{1,150})?` +
	`|(?:readers?'?|your|users?'?)\s+(?:views|opinions)\s*(?:\(\d+\))?` +
	`)\s*$`)

// dateStamp is a line that is only a date and a time ("sexta-feira, 22 de
// outubro de 2010 às 20:13", "Nov. 19, 2019 5:02 p.m. ET"), in any language:
// a year and a clock time in a few words.
var (
	yearRe  = regexp.MustCompile(`\b(?:19|20)\d{2}\b`)
	clockRe = regexp.MustCompile(`\b\d{1,2}[:.h]\d{2}\b`)
)

func isDateStamp(p string) bool {
	return len(words(p)) <= 12 && yearRe.MatchString(p) && clockRe.MatchString(p)
}

// maxBoilerplateWords: longer paragraphs are prose even when they start
// like a call to action.
const maxBoilerplateWords = 40

// dropBoilerplate removes paragraphs that are boilerplate by their wording
// (cross-links, legal lines, calls to action at the edges) and a first
// paragraph that repeats the title.
func dropBoilerplate(paras []string, title string) []string {
	isShort := func(p string) bool { return len(words(p)) < maxBoilerplateWords }
	out := paras[:0:0]
	for _, p := range paras {
		if isShort(p) && strongBoilerplate.MatchString(p) || markerLine.MatchString(p) {
			continue
		}
		out = append(out, p)
	}
	edge := func(p string) bool {
		return isShort(p) && (edgeBoilerplate.MatchString(p) || isDateStamp(p))
	}
	for len(out) > 0 && edge(out[len(out)-1]) {
		out = out[:len(out)-1]
	}
	// A heading in capitals that ends the text heads nothing of it (the
	// box after the article: "TOP STORIES", "MORE NEWS").
	for len(out) > 1 && isCapsHeading(out[len(out)-1]) && proseParagraphs(out[:len(out)-1], 1) == 1 {
		out = out[:len(out)-1]
	}
	// A heading that opens the comments ends the article, when an
	// article's paragraph of prose stands before it.
	for i := 1; i < len(out); i++ {
		if commentsHeading.MatchString(out[i]) && proseParagraphs(out[:i], 1) == 1 {
			out = out[:i]
			break
		}
	}
	trimStart := func() {
		for len(out) > 0 && edge(out[0]) {
			out = out[1:]
		}
	}
	trimStart()
	if len(out) > 1 && repeatsTitle(out[0], title) {
		out = out[1:]
		trimStart() // the date line under the headline
	}
	return out
}

// isCapsHeading reports whether a paragraph is a heading set in
// capitals: one line of one to four words, all of its letters upper case,
// no sentence's end.
func isCapsHeading(p string) bool {
	w := words(p)
	if len(w) == 0 || len(w) > 4 || strings.Contains(p, "\n") || endsSentence(strings.TrimSpace(p)) {
		return false
	}
	letters := false
	for _, r := range p {
		if unicode.IsLetter(r) {
			letters = true
			if !unicode.IsUpper(r) {
				return false
			}
		}
	}
	return letters
}

// repeatsTitle reports whether a short paragraph is the headline printed
// again above the text, perhaps worded a little differently from og:title:
// at least 80% of its words are the title's and 80% of the title's words
// are in it. A lede that echoes the headline ("Putin and Zelenskiy will
// meet in Abu Dhabi, officials said") adds words of its own and stays.
func repeatsTitle(p, title string) bool {
	pw := words(strings.ToLower(p))
	if len(pw) == 0 || len(pw) >= 40 || title == "" {
		return false
	}
	tw := map[string]bool{}
	for _, w := range words(strings.ToLower(title)) {
		tw[w] = true
	}
	if len(tw) == 0 {
		return false
	}
	pset := map[string]bool{}
	in := 0
	for _, w := range pw {
		pset[w] = true
		if tw[w] {
			in++
		}
	}
	back := 0
	for w := range tw {
		if pset[w] {
			back++
		}
	}
	return 5*in >= 4*len(pw) && 5*back >= 4*len(tw)
}
