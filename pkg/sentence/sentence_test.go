package sentence

import (
	"slices"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"Putin spoke. Zelensky answered.", []string{"Putin spoke.", " Zelensky answered."}},
		{"Did they meet? Yes! Twice", []string{"Did they meet?", " Yes!", " Twice"}},
		{"The U.S. envoy met Mr. Umerov in Abu Dhabi.", []string{"The U.S. envoy met Mr. Umerov in Abu Dhabi."}},
		{"J. D. Vance and Gen. Keith Kellogg arrived", []string{"J. D. Vance and Gen. Keith Kellogg arrived"}},
		{"Prices rose 3.5 percent.", []string{"Prices rose 3.5 percent."}},
		{"Resolution No. 2202 stands.", []string{"Resolution No. 2202 stands."}},
		{"Talks ended in Geneva.\n\nA second round follows", []string{"Talks ended in Geneva.", "A second round follows"}},
		{"Headline without a stop\nBody text.", []string{"Headline without a stop\n", "Body text."}},
		{"Переговоры завершились. Песков подтвердил.", []string{"Переговоры завершились.", " Песков подтвердил."}},
		{"Ends with i. Next", []string{"Ends with i.", " Next"}},
		{"...", nil},
	}
	for _, tt := range tests {
		if got := Split(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
