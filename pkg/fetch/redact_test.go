package fetch

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestGetRedactsPassword: a URL's password is sent (basic auth) but never
// shown in an error.
func TestGetRedactsPassword(t *testing.T) {
	var gotAuth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pw, _ := r.BasicAuth()
		gotAuth.Store(user + ":" + pw)
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Length", "999999999")
		case "/slow":
			<-r.Context().Done()
			return
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	c := newClient(t, Config{Timeout: 500 * time.Millisecond})
	base := strings.Replace(srv.URL, "http://", "http://reader:s3cret-pw@", 1)
	for _, path := range []string{"/500", "/big", "/slow", "/%zz"} {
		_, err := c.Get(context.Background(), base+path, Options{Limit: 1 << 20})
		if err == nil {
			t.Fatalf("%s: no error", path)
		}
		if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "reader:***@") {
			t.Errorf("%s: error %q shows the password or not the redacted URL", path, err)
		}
	}
	if got, _ := gotAuth.Load().(string); got != "reader:s3cret-pw" {
		t.Errorf("the server received credentials %q", got)
	}
}
