package panics

import (
	"strings"
	"testing"
)

func TestCatch(t *testing.T) {
	if p := Catch(func() {}); p != nil {
		t.Errorf("a call that returns: %v", p)
	}
	p := Catch(func() {
		var m map[string]int
		m["x"]++ // a real runtime panic
	})
	if p == nil || p.Error() != "panicked: assignment to entry in nil map" || !strings.Contains(string(p.Stack), "panics_test.go") {
		t.Errorf("got %v, want the panic and a stack through this test", p)
	}
}
