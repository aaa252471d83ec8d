package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// EmbeddedConfig is the in-process nats-server of `parley run`.
type EmbeddedConfig struct {
	// StoreDir holds the JetStream store.
	StoreDir string
	// Listen is where other clients (parley watch, the nats CLI) connect,
	// host:port; empty accepts in-process connections only.
	Listen string
	// MaxPayload of one message; pages above it go by object store reference.
	MaxPayload int32
	// UserSeedFile holds the nkey seed of the one user the server accepts
	// (every client, in-process ones too, must sign in with it); it is
	// created at first start, readable only by its owner. Empty: a key
	// for this run only, which only in-process clients know.
	UserSeedFile string
}

// Embedded is a running in-process nats-server.
type Embedded struct {
	srv  *server.Server
	key  nkeys.KeyPair
	lock *os.File
	log  *slog.Logger
}

// ErrStoreInUse is returned when another process runs a nats-server over
// the same store (a running parley on the same --data).
var ErrStoreInUse = errors.New("in use by another parley process: stop it first, or go through its API")

// StartEmbedded starts a nats-server with JetStream and waits until it
// accepts connections.
func StartEmbedded(cfg EmbeddedConfig, log *slog.Logger) (*Embedded, error) {
	if cfg.StoreDir == "" {
		return nil, fmt.Errorf("embedded nats: a store directory is required")
	}
	opts := &server.Options{
		ServerName: "parley",
		JetStream:  true,
		StoreDir:   filepath.Clean(cfg.StoreDir),
		NoSigs:     true,
		MaxPayload: cfg.MaxPayload,
	}
	if opts.MaxPayload == 0 {
		opts.MaxPayload = 8 << 20
	}
	if cfg.Listen == "" {
		opts.DontListen = true
	} else {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("nats listen address %q: %w (want host:port, e.g. 127.0.0.1:4222)", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("nats listen address %q: bad port", cfg.Listen)
		}
		opts.Host, opts.Port = host, p
	}
	var key nkeys.KeyPair
	var err error
	if cfg.UserSeedFile != "" {
		key, err = userKey(cfg.UserSeedFile)
	} else {
		key, err = nkeys.CreateUser()
	}
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	pub, err := key.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	// A client without the key is refused: without it, any local process
	// could add feeds and rules past --api-token, forge articles and
	// delete streams.
	opts.Nkeys = []*server.NkeyUser{{Nkey: pub}}
	lock, err := lockStore(opts.StoreDir)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.SetLoggerV2(&natsLogger{log: log.With("component", "nats")}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		lock.Close()
		return nil, fmt.Errorf("embedded nats: not ready after 30s (is %s already in use? set --nats-listen to another address or empty)", cfg.Listen)
	}
	return &Embedded{srv: srv, key: key, lock: lock, log: log}, nil
}

// Connect opens an in-process client connection.
func (e *Embedded) Connect() (*nats.Conn, error) {
	pub, err := e.key.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("connect to embedded nats: %w", err)
	}
	opts := append([]nats.Option{nats.InProcessServer(e.srv), nats.Name("parley-embedded"), nats.Nkey(pub, e.key.Sign)}, reconnectOptions(e.log)...)
	nc, err := nats.Connect("", opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to embedded nats: %w", err)
	}
	return nc, nil
}

// ClientURL is where external clients connect, or "" without a listener.
func (e *Embedded) ClientURL() string {
	if e.srv.Addr() == nil {
		return ""
	}
	return e.srv.ClientURL()
}

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
	if e.lock != nil {
		e.lock.Close()
	}
}

type natsLogger struct{ log *slog.Logger }

func (l *natsLogger) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *natsLogger) Tracef(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
