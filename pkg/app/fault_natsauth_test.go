package app_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/cli"
)

// TestEmbeddedNATSRequiresCredentials holds issue 14 row 6: the embedded
// NATS of parley run refuses a client without the key parley generated
// under --data (no credentials, a user and password, another nkey), while
// a client with the seed file (as `nats --nkey` uses it) and parley's own
// commands pointed at the same --data get in. The seed is 0600 in a 0700
// directory, kept across restarts, and a seed others can read stops the
// start with the reason.
func TestEmbeddedNATSRequiresCredentials(t *testing.T) {
	data := t.TempDir()
	natsAddr := app.FreeAddr(t)
	cfg := app.Config{Data: data, HTTP: "127.0.0.1:0", NATSListen: natsAddr}
	a, stop, err := app.StartRun(t, cfg, app.AllRoles, app.TestLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://" + natsAddr
	if got := a.NATSURL(); got != url {
		t.Fatalf("NATSURL %q, want %q", got, url)
	}

	other, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	otherPub, _ := other.PublicKey()
	for _, tc := range []struct {
		name string
		opts []nats.Option
	}{
		{"no credentials", nil},
		{"a user and password", []nats.Option{nats.UserInfo("parley", "parley")}},
		{"a token", []nats.Option{nats.Token("parley")}},
		{"another nkey", []nats.Option{nats.Nkey(otherPub, other.Sign)}},
	} {
		nc, err := nats.Connect(url, append(tc.opts, nats.Timeout(5*time.Second))...)
		if err == nil {
			// Before the fix the connection succeeds and can delete streams.
			nc.Close()
			t.Errorf("%s: connected to the embedded NATS", tc.name)
			continue
		}
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("%s: %v, want an authorization violation", tc.name, err)
		}
	}

	seed := cfg.NATSUserSeedFile()
	fi, err := os.Stat(seed)
	if err != nil {
		t.Fatalf("no seed file where the README says: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("seed file mode %04o, want 0600", fi.Mode().Perm())
	}
	if di, err := os.Stat(filepath.Dir(seed)); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("seed directory: %v, mode %04o, want 0700", err, di.Mode().Perm())
	}
	key, _ := os.ReadFile(seed)

	// What a user's own nats CLI does with --nkey FILE.
	opt, err := nats.NkeyOptionFromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(url, opt)
	if err != nil {
		t.Fatalf("the generated seed is refused: %v", err)
	}
	if _, err := nc.Request("$JS.API.INFO", nil, 5*time.Second); err != nil {
		t.Errorf("JetStream with the generated seed: %v", err)
	}
	nc.Close()

	// parley's own commands find the key under --data; pointed elsewhere
	// they say where they looked.
	dlq := func(dataDir string) (string, int) {
		var out, errOut bytes.Buffer
		env := cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
		code := cli.Main(context.Background(), []string{"dlq", "list", "--data", dataDir, "--nats-listen", natsAddr}, env)
		return out.String() + errOut.String(), code
	}
	if msg, code := dlq(data); code != 0 || !strings.Contains(msg, "no dead letters") {
		t.Errorf("parley dlq list --data %s: exit %d: %s", data, code, msg)
	}
	elsewhere := t.TempDir()
	if msg, code := dlq(elsewhere); code == 0 || !strings.Contains(msg, "no NATS credentials at "+filepath.Join(elsewhere, "auth")) {
		t.Errorf("parley dlq list on a --data without the key: exit %d: %s", code, msg)
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A restart keeps the key.
	_, stop, err = app.StartRun(t, cfg, app.AllRoles, app.TestLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(seed); !bytes.Equal(again, key) {
		t.Error("the key changed across a restart")
	}
	// A seed others can read is refused, with the fix in the message.
	if err := os.Chmod(seed, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = app.StartRun(t, cfg, app.AllRoles, app.TestLogger(t))
	if err == nil || !strings.Contains(err.Error(), "readable by others") || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("start with a world-readable seed: %v", err)
	}
}
