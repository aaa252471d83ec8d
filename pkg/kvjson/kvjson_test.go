package kvjson_test

import (
	"context"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
	"github.com/parley-news/parley/pkg/kvjson"
)

type sig struct {
	ArticleID string `json:"article_id"`
	N         int    `json:"n"`
}

// TestByArticleKeys: only article ids become keys (a subject wildcard or
// a path in one would reach other keys), and what was saved loads back.
func TestByArticleKeys(t *testing.T) {
	ctx := context.Background()
	b := bustest.New(t)
	st := kvjson.NewByArticle(b.KV(bus.BucketStories), "test signature", func(s sig) string { return s.ArticleID })
	good := article.ID("https://example.org/a")
	for _, tt := range []struct {
		id string
		ok bool
	}{
		{good, true},
		{"", false},
		{"*", false},
		{">", false},
		{"../" + good, false},
		{strings.ToUpper(good), false},
		{strings.Repeat("a", 4096), false},
	} {
		err := st.Save(ctx, sig{ArticleID: tt.id, N: 1})
		if (err == nil) != tt.ok {
			t.Errorf("save %.20q: %v, want ok=%v", tt.id, err, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "test signature") {
			t.Errorf("error %q does not say what was saved", err)
		}
	}
	got, err := st.Load(ctx)
	if err != nil || len(got) != 1 || got[0].ArticleID != good {
		t.Errorf("load: %+v, %v; want the one saved", got, err)
	}
}
