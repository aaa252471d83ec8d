package versions

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/article"
	"github.com/parley-news/parley/pkg/bus/bustest"
)

func TestArticleVersions(t *testing.T) {
	b := bustest.New(t)
	v := New(b)
	ctx := context.Background()
	id := article.ID("example.org/a")
	a := &article.Article{ID: id, URL: "https://example.org/a", Title: "Talks begin", Body: "Delegations met."}
	steps := []struct {
		body        string
		wantVersion int
		wantStored  int
	}{
		{"Delegations met.", 1, 1},
		{"Delegations met.", 1, 1}, // redelivered: same content, nothing new
		{"Delegations met. Updated: a second round was agreed.", 2, 2},
		{"Delegations met. Updated: a second round was agreed.", 2, 2},
		{"Corrected: the talks were postponed.", 3, 3},
	}
	for i, st := range steps {
		a.Body = st.body
		if err := v.RecordVersion(ctx, a); err != nil {
			t.Fatal(err)
		}
		vs, err := v.Versions(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Version != st.wantVersion || len(vs) != st.wantStored {
			t.Fatalf("step %d: version %d with %d stored, want %d with %d", i, a.Version, len(vs), st.wantVersion, st.wantStored)
		}
	}
	vs, _ := v.Versions(ctx, id)
	if vs[0].Body != "Delegations met." || vs[0].Version != 1 || vs[2].Version != 3 {
		t.Errorf("history %+v", vs)
	}
	if none, err := v.Versions(ctx, article.ID("example.org/unknown")); err != nil || len(none) != 0 {
		t.Errorf("unknown article: %v %v", none, err)
	}
}

// TestVersionsRefuseBadIDs: an id that is not an article id never becomes
// a key. '*' and '>' would read every article's versions, and a 4,096-byte
// id once made nats-server drop the connection every stage shares.
func TestVersionsRefuseBadIDs(t *testing.T) {
	b := bustest.New(t)
	v := New(b)
	ctx := context.Background()
	a := &article.Article{ID: article.ID("example.org/a"), URL: "https://example.org/a", Title: "Talks begin", Body: "Delegations met."}
	if err := v.RecordVersion(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"*", ">", a.ID[:8] + ".*", strings.Repeat("a", 4096), strings.ToUpper(a.ID), a.ID + " ", "", "a1"} {
		vs, err := v.Versions(ctx, id)
		if !errors.Is(err, ErrBadID) || len(vs) != 0 {
			t.Errorf("Versions(%.40q) = %d versions, %v; want ErrBadID", id, len(vs), err)
		}
		bad := *a
		bad.ID = id
		if err := v.RecordVersion(ctx, &bad); !errors.Is(err, ErrBadID) {
			t.Errorf("RecordVersion(%.40q) = %v; want ErrBadID", id, err)
		}
	}
	if !b.Conn().IsConnected() {
		t.Fatalf("connection %s after the bad ids", b.Conn().Status())
	}
	if vs, err := v.Versions(ctx, a.ID); err != nil || len(vs) != 1 {
		t.Fatalf("the real article afterwards: %d versions, %v", len(vs), err)
	}
}
