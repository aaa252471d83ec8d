// Package permanent marks the errors that retrying cannot cure (a message
// that does not decode, a forged id, a document the index refuses for
// good): the one convention by which an index backend, a stage and the
// bus agree that a message goes to the dead-letter stream at once instead
// of after every delivery.
package permanent

import "errors"

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Error marks err as permanent; nil stays nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// Is reports whether err, or an error it wraps, was marked with Error.
func Is(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
