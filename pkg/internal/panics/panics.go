// Package panics turns a panic in a call into a value the caller handles,
// so that a bug on a stranger's bytes (a feed, a page, a message, an
// endpoint's answer) fails that one thing, visibly, instead of stopping
// parley. It is the one place parley recovers panics.
package panics

import (
	"fmt"
	"runtime/debug"
)

// Error is a recovered panic: its value and the stack where it happened.
type Error struct {
	Value any
	Stack []byte
}

// Error says "panicked: <value>"; callers prefix what was being done
// ("fetching the page panicked: ...").
func (e *Error) Error() string { return fmt.Sprintf("panicked: %v", e.Value) }

// Catch calls fn and returns its panic, or nil when fn returned.
func Catch(fn func()) (p *Error) {
	defer func() {
		if r := recover(); r != nil {
			p = &Error{Value: r, Stack: debug.Stack()}
		}
	}()
	fn()
	return nil
}
