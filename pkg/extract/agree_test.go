package extract

import (
	"hash/maphash"
	"strings"
	"testing"
)

func TestOverlap(t *testing.T) {
	seed := maphash.MakeSeed()
	a := shingleSet(seed, []string{"one two three four five six", "seven eight nine ten"})
	b := shingleSet(seed, []string{"one two three four five six"})
	inA, inB := overlap(a, b)
	if inB != 1 || inA >= 1 || inA <= 0 {
		t.Errorf("overlap = %v, %v; want b inside a", inA, inB)
	}
}

func TestContinuation(t *testing.T) {
	long := func(w string) string { return strings.TrimSpace(strings.Repeat(w+" ", 30)) }
	seed := maphash.MakeSeed()
	base := shingleSet(seed, []string{long("alpha"), long("beta")})
	tests := []struct {
		name  string
		other []string
		want  []string
	}{
		{"prose after the shared text", []string{long("alpha"), long("beta"), long("gamma"), long("delta")}, []string{long("gamma"), long("delta")}},
		{"a subheading inside the run", []string{long("beta"), long("gamma"), "A subheading", long("delta")}, []string{long("gamma"), "A subheading", long("delta")}},
		{"teasers end the run", []string{long("beta"), long("gamma"), "More stories", "Teaser one", long("epsilon")}, []string{long("gamma")}},
		{"nothing shared", []string{long("zeta"), long("eta")}, nil},
		{"short first paragraph stops", []string{long("beta"), "Related", long("gamma")}, nil},
	}
	for _, tt := range tests {
		got := continuation(seed, base, tt.other, continuationWords)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %d paragraphs %q, want %q", tt.name, len(got), got, tt.want)
		}
	}
}
