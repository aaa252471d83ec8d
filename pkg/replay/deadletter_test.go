package replay

import (
	"context"
	"reflect"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/parley-news/parley/pkg/bus"
	"github.com/parley-news/parley/pkg/bus/bustest"
)

// TestDeadLetters lists and redelivers dead letters as `parley dlq` does:
// by stage, each onto its original subject, and never onto a subject no
// stage reads (the header is the message's, and could be forged).
func TestDeadLetters(t *testing.T) {
	ctx := context.Background()
	b := bustest.New(t)
	js := b.JetStream()
	for _, d := range []struct{ stage, subject, data string }{
		{"parser", "parley.raw.src", "<html>page</html>"},
		{"indexer", "parley.articles.en", `{"id":"a"}`},
		{"parser", "$JS.API.STREAM.DELETE.PARLEY_RAW", "forged"},
	} {
		m := &nats.Msg{Subject: bus.SubjectDLQ + "." + d.stage, Data: []byte(d.data), Header: nats.Header{}}
		m.Header.Set(bus.HeaderStage, d.stage)
		m.Header.Set(bus.HeaderSubject, d.subject)
		m.Header.Set(bus.HeaderError, "bad "+d.stage)
		m.Header.Set(bus.HeaderDeliveries, "5")
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	list := func(stage string) []DeadLetter {
		t.Helper()
		var out []DeadLetter
		if err := DeadLetters(ctx, js, stage, func(d DeadLetter) error { out = append(out, d); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := list("")
	want := []DeadLetter{
		{Seq: 1, Stage: "parser", Subject: "parley.raw.src", Error: "bad parser", Deliveries: "5", Bytes: 17},
		{Seq: 2, Stage: "indexer", Subject: "parley.articles.en", Error: "bad indexer", Deliveries: "5", Bytes: 10},
		{Seq: 3, Stage: "parser", Subject: "$JS.API.STREAM.DELETE.PARLEY_RAW", Error: "bad parser", Deliveries: "5", Bytes: 6},
	}
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("every dead letter:\n got %+v\nwant %+v", all, want)
	}
	if got := list("parser"); len(got) != 2 || got[0].Seq != 1 || got[1].Seq != 3 {
		t.Fatalf("the parser's dead letters: %+v", got)
	}
	if got := list("fetcher"); len(got) != 0 {
		t.Fatalf("the fetcher has no dead letters, got %+v", got)
	}

	var kept []uint64
	n, err := Redeliver(ctx, js, "parser", func(d DeadLetter) { kept = append(kept, d.Seq) })
	if err != nil || n != 1 || !reflect.DeepEqual(kept, []uint64{3}) {
		t.Fatalf("redeliver the parser's: %d redelivered, kept %v, err %v; want 1, [3]", n, kept, err)
	}
	if got := bustest.StreamMsgs(t, b, bus.StreamRaw); got != 1 {
		t.Fatalf("raw stream holds %d messages after the redelivery, want 1", got)
	}
	raw, err := js.Stream(ctx, bus.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	m, err := raw.GetLastMsgForSubject(ctx, "parley.raw.src")
	if err != nil || string(m.Data) != "<html>page</html>" {
		t.Fatalf("the redelivered page: %v, %v", m, err)
	}
	if got := list(""); len(got) != 2 || got[0].Seq != 2 || got[1].Seq != 3 {
		t.Fatalf("left in the dead-letter stream: %+v; want 2 and 3", got)
	}
	n, err = Redeliver(ctx, js, "", nil)
	if err != nil || n != 1 {
		t.Fatalf("redeliver the rest: %d, %v; want 1 (the forged one is kept)", n, err)
	}
	if got := bustest.StreamMsgs(t, b, bus.StreamArticles); got != 1 {
		t.Fatalf("articles stream holds %d messages, want 1", got)
	}
	if got := list(""); len(got) != 1 || got[0].Seq != 3 {
		t.Fatalf("left: %+v; want only the forged one", got)
	}
}
