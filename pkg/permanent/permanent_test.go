package permanent

import (
	"errors"
	"fmt"
	"testing"
)

func TestPermanent(t *testing.T) {
	base := errors.New("mapper_parsing_exception")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", Error(nil), false},
		{"plain", base, false},
		{"marked", Error(base), true},
		{"marked, then wrapped", fmt.Errorf("index article x: %w", Error(base)), true},
		{"joined with a transient one", errors.Join(errors.New("timeout"), Error(base)), true},
	}
	for _, tt := range tests {
		if got := Is(tt.err); got != tt.want {
			t.Errorf("%s: Is = %v, want %v", tt.name, got, tt.want)
		}
	}
	if err := Error(base); !errors.Is(err, base) || err.Error() != base.Error() {
		t.Errorf("marked error %v does not keep its cause", err)
	}
}
