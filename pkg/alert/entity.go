package alert

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/parley-news/parley/pkg/bus"
)

// PersonSlug is the subject token of a person's canonical name:
// lower-case ASCII, accents dropped, other characters as '-'
// ("Vladimir Putin" -> "vladimir-putin", "Recep Tayyip Erdoğan" ->
// "recep-tayyip-erdogan"). A name with no Latin letters gives "". A
// slug longer than bus.MaxTokenLen is cut to a bounded token (bus.Token):
// entity names come from article text, and a subject must stay short.
func PersonSlug(name string) string {
	var sb strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r == 'ı': // dotless i has no decomposition
			r = 'i'
		default:
			dash = sb.Len() > 0
			continue
		}
		if dash {
			sb.WriteByte('-')
			dash = false
		}
		sb.WriteRune(r)
	}
	if sb.Len() > bus.MaxTokenLen {
		return bus.Token(sb.String())
	}
	return sb.String()
}
