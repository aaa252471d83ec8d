package extract

import (
	"regexp"
	"strings"
)

var (
	// strongBoilerplate opens a paragraph that is never article text,
	// wherever it stands: cross-links and legal lines.
	strongBoilerplate = regexp.MustCompile(`(?i)^\s*[\[(]?\s*(?:related(?: post| stories| articles| coverage| content)?\s*:|read more\s*:|read also\s*:|also read\s*:|see also\s*:|recommended\s*:|more from|click here to (?:get|download|subscribe|sign up|read|follow)|copyright\b|all rights reserved|this copy is for your personal|citation\s*:|©|ⓒ|more ap\b)`)
	// edgeBoilerplate opens a call to action; it is boilerplate only in
	// the run of paragraphs at the start or the end of the text, since
	// an article (a how-to, say) may use the same words in its body.
	edgeBoilerplate = regexp.MustCompile(`(?i)^\s*[\[(]?\s*(?:sign up|subscribe|follow (?:us|him|her|@|\S+ on)|like this (?:story|article)|share (?:this|it)|have a tip|listen (?:to|:)|watch\s*:|get the latest|tags\s*:?(?:\s|$)|advertisement\b|read (?:the )?more\b|more great|don't miss|download (?:the|our) app|https?://\S+\s*$|www\.\S+\s*$)`)
)

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
		if isShort(p) && strongBoilerplate.MatchString(p) {
			continue
		}
		out = append(out, p)
	}
	for len(out) > 0 && isShort(out[len(out)-1]) && edgeBoilerplate.MatchString(out[len(out)-1]) {
		out = out[:len(out)-1]
	}
	for len(out) > 0 && isShort(out[0]) && edgeBoilerplate.MatchString(out[0]) {
		out = out[1:]
	}
	if len(out) > 1 && repeatsTitle(out[0], title) {
		out = out[1:]
	}
	return out
}

// repeatsTitle reports whether a short paragraph is mostly the title's
// words: the headline printed again above the text, perhaps in another
// wording than og:title.
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
	in := 0
	for _, w := range pw {
		if tw[w] {
			in++
		}
	}
	return 5*in >= 3*len(pw)
}
