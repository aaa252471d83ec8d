//go:build unix

package bus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockStore takes an exclusive lock on dir/parley.lock, so that two
// nats-servers (a running parley, and `parley feeds --data` on its data)
// never write one JetStream store. The lock goes with the process: a
// crashed parley leaves none behind.
func lockStore(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store directory: %w", err)
	}
	name := filepath.Join(dir, "parley.lock")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock store: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("store %s: %w", dir, ErrStoreInUse)
		}
		return nil, fmt.Errorf("lock store %s: %w", name, err)
	}
	return f, nil
}
