package bus

import (
	"strings"
	"testing"
)

func TestToken(t *testing.T) {
	long := strings.Repeat("Ministry of Foreign Affairs ", 200) // a ~5 KB feed title
	for _, tc := range []struct{ in, want string }{
		{"Reuters World", "reuters_world"},
		{"www.mid.ru", "www_mid_ru"},
		{"", "unknown"},
		{"   ", "unknown"},
		{"a>b*c", "a_b_c"},
		{"parley.raw.>", "parley_raw"},
		{"*", "unknown"},
		{"Известия", "известия"},
		{"Le Monde – International", "le_monde___international"},
		{"tab\there\r\nnew\x00nul\x7f", "tab_here__new_nul"},
		{"c1\u0085control\u202eoverride\u200bzero", "c1_control_override_zero"},
		{"bad\xff\xfeutf8", "bad__utf8"},
		{"en", "en"},
	} {
		if got := Token(tc.in); got != tc.want {
			t.Errorf("Token(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}

	// Long values are cut to a bounded token that still tells them apart.
	for _, in := range []string{long, long + "x", strings.Repeat("я", 5000), strings.Repeat(".", 5000) + "a", strings.Repeat("a", 4096)} {
		got := Token(in)
		if len(got) > MaxTokenLen {
			t.Errorf("Token of %d bytes is %d bytes long, want at most %d", len(in), len(got), MaxTokenLen)
		}
		if !validToken(got) {
			t.Errorf("Token of %d bytes = %q: not one safe subject token", len(in), got)
		}
	}
	if Token(long) == Token(long+"x") {
		t.Errorf("two long titles with the same beginning share the token %q", Token(long))
	}
	if Token(long) != Token(long) {
		t.Error("Token is not stable")
	}
}

// validToken is what nats-server and the nats CLI accept as one literal
// token: no '.', wildcard, whitespace or control byte, valid UTF-8.
func validToken(s string) bool {
	if s == "" || strings.ToValidUTF8(s, "") != s {
		return false
	}
	return !strings.ContainsAny(s, ".*> \t\r\n\x00")
}

func FuzzToken(f *testing.F) {
	for _, s := range []string{"Reuters World", "a.b", "*", ">", "\xff", strings.Repeat("x", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Token(s)
		if len(got) > MaxTokenLen || !validToken(got) {
			t.Fatalf("Token(%q) = %q", s, got)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) {
				t.Fatalf("Token(%q) = %q keeps control character %U", s, got, r)
			}
		}
	})
}

func TestStageSubject(t *testing.T) {
	for s, want := range map[string]bool{
		"parley.raw.reuters_world":                true,
		"parley.articles.en":                      true,
		"parley.indexed.und":                      true,
		"parley.raw.известия":                     true,
		"parley.raw.":                             false,
		"parley.raw.a.b":                          false,
		"parley.raw.>":                            false,
		"parley.articles.*":                       false,
		"parley.alerts.putin":                     false,
		"parley.dlq.parser":                       false,
		"$JS.API.STREAM.DELETE.X":                 false,
		"parley.raw.Reuters":                      false,
		"parley.raw.a b":                          false,
		"":                                        false,
		"parley.raw." + strings.Repeat("a", 4096): false,
	} {
		if got := StageSubject(s); got != want {
			t.Errorf("StageSubject(%.40q) = %v, want %v", s, got, want)
		}
	}
}
