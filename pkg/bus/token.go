package bus

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTokenLen bounds a subject token made from outside data (a feed's
// title, a language, a stage name). nats-server drops a connection whose
// protocol line passes 4,096 bytes, and every stage shares that
// connection, so no token may grow with its input.
const MaxTokenLen = 64

// tokenHashLen is how many hex digits of SHA-256 end a cut token.
const tokenHashLen = 12

// Token makes s safe as one subject token: lower case; letters and digits
// of any script, combining marks, '-' and '_' kept; everything else ('.',
// '*', '>', whitespace, control and format characters, invalid UTF-8)
// becomes '_'; never empty. A token longer than MaxTokenLen bytes is cut
// and ends with '-' and a short hash of the whole of s, so two long values
// that share their beginning still get two tokens.
func Token(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			sb.WriteRune(r)
		case r > utf8.RuneSelf && r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)):
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	t := strings.Trim(sb.String(), "_")
	if t == "" {
		return "unknown"
	}
	if len(t) <= MaxTokenLen {
		return t
	}
	sum := sha256.Sum256([]byte(s))
	cut := MaxTokenLen - tokenHashLen - 1
	for cut > 0 && !utf8.RuneStart(t[cut]) {
		cut--
	}
	return strings.TrimRight(t[:cut], "_-") + "-" + hex.EncodeToString(sum[:])[:tokenHashLen]
}

// StageSubject reports whether s is a subject a stage consumes from
// (parley.raw.<source>, parley.articles.<language>,
// parley.indexed.<language>) with a token Token could have made. `parley
// dlq replay` republishes a dead letter only onto such a subject: the
// original subject is a header, and a forged one must not steer a replay
// onto another subject (a JetStream API call, another stream).
func StageSubject(s string) bool {
	for _, prefix := range []string{SubjectRaw, SubjectArticles, SubjectIndexed} {
		if tok, ok := strings.CutPrefix(s, prefix+"."); ok {
			return tok != "" && Token(tok) == tok
		}
	}
	return false
}
