package main

import (
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"end.Next", []string{"end", "Next"}},
		{"Mary's 4.5 per_cent", []string{"Mary", "s", "4", "5", "per_cent"}},
		{"Київ — 24 січня", []string{"Київ", "24", "січня"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := tokens(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("tokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScore(t *testing.T) {
	rows := []pageScore{
		scorePage("a b c d e", "a b c d x"), // tp 1 fp 1 fn 1
		scorePage("one two", "one two"),     // identical: 1 and 1
		scorePage("a b c d e f", ""),        // empty prediction: recall 0, no precision
	}
	if r := rows[0]; r.tp != 1 || r.fp != 1 || r.fn != 1 || r.exact {
		t.Errorf("row 0 = %+v", r)
	}
	if !rows[1].exact || rows[1].precision() != 1 || rows[1].recall() != 1 {
		t.Errorf("row 1 = %+v", rows[1])
	}
	got := aggregate(rows)
	// precision over the two non-empty predictions, recall over all three
	wantP, wantR := (0.5+1)/2, (0.5+1+0)/3
	if got.empty != 1 || !near(got.precision, wantP) || !near(got.recall, wantR) || !near(got.f1, 2*wantP*wantR/(wantP+wantR)) {
		t.Errorf("aggregate = %+v, want precision %.3f recall %.3f", got, wantP, wantR)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
