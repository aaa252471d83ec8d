package bus

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nats-io/nkeys"
)

// userKey reads the nkey seed of the embedded server's one user from path,
// or creates it there at first start: the file readable only by its owner
// (0600) in a directory only its owner can enter (0700). A seed file that
// others can read is refused, as ssh refuses such a private key: whoever
// read it can act as parley on the bus.
func userKey(path string) (nkeys.KeyPair, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nats credentials directory: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("nats credentials directory: %w", err)
	}
	seed, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createUserKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	if mode := fi.Mode().Perm(); mode&0o077 != 0 {
		return nil, fmt.Errorf("nats credentials %s: readable by others (mode %04o); run chmod 600 %s (or delete it and restart parley for a new key)", path, mode, path)
	}
	kp, err := nkeys.FromSeed(bytes.TrimSpace(seed))
	if err != nil {
		return nil, fmt.Errorf("nats credentials %s: %w (delete it and restart parley for a new key)", path, err)
	}
	if pub, err := kp.PublicKey(); err != nil || !nkeys.IsValidPublicUserKey(pub) {
		return nil, fmt.Errorf("nats credentials %s: not a user nkey seed (delete it and restart parley for a new key)", path)
	}
	return kp, nil
}

func createUserKey(path string) (nkeys.KeyPair, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	seed, err := kp.Seed()
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	// Written under another name and renamed, so a crash never leaves a
	// half-written seed behind.
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	_, err = f.Write(append(seed, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("nats credentials: %w", err)
	}
	return kp, nil
}
