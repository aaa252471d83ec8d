package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/parley-news/parley/pkg/app"
	"github.com/parley-news/parley/pkg/internal/origin"
)

func jsonLogger(w *app.LockedBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func assertNoSecrets(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			i := strings.Index(text, s)
			t.Errorf("%s contains the secret %q: ...%s...", where, s, text[max(0, i-200):min(len(text), i+len(s)+50)])
		}
	}
}

// TestNATSUserPasswordAndSecretsNeverLogged runs parley against a
// nats-server that requires a user and password: it ingests a feed end to
// end, a wrong password fails at start with a clear error, and neither the
// debug-level JSON logs nor the errors ever contain a secret (NATS
// password, in a flag or in the URL; API token; webhook secret;
// Elasticsearch password and API key).
func TestNATSUserPasswordAndSecretsNeverLogged(t *testing.T) {
	const (
		natsPass   = "nats-pass-4f9c2a7e"
		apiToken   = "api-token-8d1b6e3f"
		webhookKey = "webhook-key-2c7a9b1d"
		esPass     = "es-pass-6e2f8a4c"
		esAPIKey   = "es-apikey-9b3d7f1a"
	)
	secrets := []string{natsPass, apiToken, webhookKey, esPass, esAPIKey,
		base64.StdEncoding.EncodeToString([]byte("elastic:" + esPass)), base64.StdEncoding.EncodeToString([]byte("parley:" + natsPass))}
	ns := app.StartNATS(t, -1, t.TempDir(), func(o *server.Options) {
		o.Users = []*server.User{{Username: "parley", Password: natsPass}}
	})
	url := ns.ClientURL()

	t.Run("user and password end to end", func(t *testing.T) {
		o := app.StartOrigin(t, origin.Generated{})
		var logs app.LockedBuffer
		a, stop, err := app.StartRun(t, app.Config{
			Feeds: app.WriteFeedList(t, o.URL+origin.FeedRSS), Data: t.TempDir(), HTTP: "127.0.0.1:0", AllowPrivate: true, PollInterval: time.Hour,
			NATSURL: url, NATSUser: "parley", NATSPass: natsPass, APIToken: apiToken, WebhookSecret: webhookKey,
			LogLevel: "debug", LogFormat: "json",
		}, app.AllRoles, jsonLogger(&logs))
		if err != nil {
			t.Fatalf("start with the right password: %v", err)
		}
		app.WaitFor(t, "the feed's 3 articles indexed through the authenticated nats", 2*time.Minute, func() bool {
			n, _ := a.Backend().Count(context.Background())
			return n >= 3
		})
		// State-changing endpoints refuse a missing or wrong token.
		for _, auth := range []string{"", "Bearer wrong-" + apiToken[:4]} {
			req, _ := http.NewRequest(http.MethodPost, "http://"+a.HTTPAddr()+"/api/feeds", strings.NewReader(`{"url":"http://example.com/feed.xml"}`))
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST /api/feeds with %q: status %d, want 401", auth, resp.StatusCode)
			}
		}
		if err := stop(); err != nil {
			t.Fatalf("run: %v", err)
		}
		assertNoSecrets(t, "the logs", logs.String(), secrets...)
		t.Logf("%d bytes of debug-level JSON logs, no secret in them", len(logs.String()))
	})

	t.Run("password in the nats url", func(t *testing.T) {
		var logs app.LockedBuffer
		// Two servers in the list, both with the credentials in the URL.
		withPass := strings.Replace(url, "nats://", "nats://parley:"+natsPass+"@", 1)
		withPass += "," + withPass
		_, stop, err := app.StartRun(t, app.Config{Data: t.TempDir(), HTTP: "127.0.0.1:0", NATSURL: withPass, LogLevel: "debug", LogFormat: "json"},
			[]app.Role{app.RoleParser}, jsonLogger(&logs))
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		if err := stop(); err != nil {
			t.Fatalf("run: %v", err)
		}
		assertNoSecrets(t, "the logs", logs.String(), secrets...)
	})

	t.Run("wrong password fails at start", func(t *testing.T) {
		var logs app.LockedBuffer
		wrong := "wrong-" + natsPass
		_, _, err := app.StartRun(t, app.Config{Data: t.TempDir(), HTTP: "127.0.0.1:0", NATSURL: url, NATSUser: "parley", NATSPass: wrong, LogLevel: "debug", LogFormat: "json"},
			[]app.Role{app.RoleParser}, jsonLogger(&logs))
		if err == nil {
			t.Fatal("started with a wrong password")
		}
		if !strings.Contains(strings.ToLower(err.Error()), "authorization") || !strings.Contains(err.Error(), "127.0.0.1") {
			t.Errorf("error %q should say authorization failed and where", err)
		}
		assertNoSecrets(t, "the error", err.Error(), wrong)
		assertNoSecrets(t, "the logs", logs.String(), wrong)
		t.Logf("wrong password: %v", err)
	})

	for _, tc := range []struct {
		name string
		cfg  app.Config
		want string // Authorization header prefix the cluster must receive
	}{
		{"elasticsearch user and password", app.Config{ESUser: "elastic", ESPass: esPass}, "Basic "},
		{"elasticsearch api key", app.Config{ESAPIKey: esAPIKey}, "ApiKey "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var gotAuth []string
			es := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				gotAuth = append(gotAuth, r.Header.Get("Authorization"))
				mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Elastic-Product", "Elasticsearch")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"error":{"type":"security_exception","reason":"unable to authenticate user [elastic] for REST request [/_cluster/health]"},"status":401}`)
			}))
			defer es.Close()
			var logs app.LockedBuffer
			cfg := tc.cfg
			cfg.Data, cfg.HTTP, cfg.NATSListen, cfg.ESURL = t.TempDir(), "127.0.0.1:0", "", es.URL
			cfg.LogLevel, cfg.LogFormat = "debug", "json"
			_, _, err := app.StartRun(t, cfg, []app.Role{app.RoleIndexer}, jsonLogger(&logs))
			if err == nil {
				t.Fatal("started against a cluster that refuses the credentials")
			}
			mu.Lock()
			sent := strings.Join(gotAuth, "|")
			mu.Unlock()
			if !strings.HasPrefix(strings.ToLower(sent), strings.ToLower(tc.want)) {
				t.Errorf("cluster received Authorization %q, want %s...", sent, tc.want)
			}
			assertNoSecrets(t, "the error", err.Error(), secrets...)
			assertNoSecrets(t, "the logs", logs.String(), secrets...)
			t.Logf("refused credentials: %v", err)
		})
	}
}

// TestNATSNKeyAndTLS runs a stage against a nats-server that admits one
// nkey user, and against one that requires TLS with a certificate from a
// private CA (--nats-ca); without the CA the start fails with the reason.
// The nkey seed never reaches the logs.
func TestNATSNKeyAndTLS(t *testing.T) {
	t.Run("nkey", func(t *testing.T) {
		kp, err := nkeys.CreateUser()
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := kp.PublicKey()
		seed, _ := kp.Seed()
		seedFile := filepath.Join(t.TempDir(), "user.nk")
		if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
			t.Fatal(err)
		}
		srv := app.StartNATS(t, -1, t.TempDir(), func(o *server.Options) { o.Nkeys = []*server.NkeyUser{{Nkey: pub}} })
		var logs app.LockedBuffer
		_, stop, err := app.StartRun(t, app.Config{Data: t.TempDir(), HTTP: "127.0.0.1:0", NATSURL: srv.ClientURL(), NATSNKey: seedFile, LogLevel: "debug", LogFormat: "json"},
			[]app.Role{app.RoleParser}, jsonLogger(&logs))
		if err != nil {
			t.Fatalf("start with the nkey: %v", err)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		assertNoSecrets(t, "the logs", logs.String(), string(seed))
		// Without it the server refuses.
		_, _, err = app.StartRun(t, app.Config{Data: t.TempDir(), HTTP: "127.0.0.1:0", NATSURL: srv.ClientURL()}, []app.Role{app.RoleParser}, jsonLogger(&logs))
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "authorization") {
			t.Errorf("without the nkey: %v", err)
		}
	})

	t.Run("tls with a private CA", func(t *testing.T) {
		dir := t.TempDir()
		caFile, cert := testCA(t, dir)
		srv := app.StartNATS(t, -1, t.TempDir(), func(o *server.Options) {
			o.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			o.TLSTimeout = 5
		})
		u := fmt.Sprintf("tls://127.0.0.1:%d", srv.Addr().(*net.TCPAddr).Port)
		var logs app.LockedBuffer
		_, stop, err := app.StartRun(t, app.Config{Data: t.TempDir(), HTTP: "127.0.0.1:0", NATSURL: u, NATSCA: caFile},
			[]app.Role{app.RoleParser}, jsonLogger(&logs))
		if err != nil {
			t.Fatalf("start with --nats-ca: %v", err)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		_, _, err = app.StartRun(t, app.Config{Data: t.TempDir(), HTTP: "127.0.0.1:0", NATSURL: u}, []app.Role{app.RoleParser}, jsonLogger(&logs))
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("without the CA: %v, want a certificate error", err)
		}
		t.Logf("without --nats-ca: %v", err)
	})
}

// testCA writes a CA certificate to dir and returns its file and a server
// certificate for 127.0.0.1 signed by it.
func testCA(t *testing.T, dir string) (string, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "parley test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return caFile, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
