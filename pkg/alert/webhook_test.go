package alert

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/webhook"
)

// The alerter posts a rule's alert to its webhook, signed.
func TestAlerterWebhook(t *testing.T) {
	b := newTestBus(t)
	type req struct{ sig, body string }
	ch := make(chan req, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- req{r.Header.Get(webhook.HeaderSignature), string(body)}
	}))
	defer srv.Close()
	startAlerter(t, b, Config{Webhook: webhook.Config{Secret: "k", AllowPrivate: true}, NoEntities: true},
		[]RuleConfig{{Name: "gaza", Query: "Gaza", Webhook: srv.URL + "/hook"}})
	publish(t, b, handArticles()[3])
	r := <-ch
	if r.sig != webhook.Sign([]byte("k"), []byte(r.body)) || !strings.Contains(r.body, `"rule":"gaza"`) || !strings.Contains(r.body, `"id":"h4"`) {
		t.Errorf("webhook got %+v", r)
	}
}
