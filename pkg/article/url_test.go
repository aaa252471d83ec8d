package article

import "testing"

func TestCanonicalURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "https://Example.COM:443/world/a?utm_source=rss&utm_medium=feed&id=7#top", want: "https://example.com/world/a?id=7"},
		{in: "http://example.com", want: "http://example.com/"},
		{in: "https://example.com/a?b=2&a=1&fbclid=xyz", want: "https://example.com/a?a=1&b=2"},
		{in: "https://user:pw@example.com:8443/x", want: "https://example.com:8443/x"},
		{in: "ftp://example.com/x", wantErr: true},
		{in: "/relative/path", wantErr: true},
	}
	for _, tt := range tests {
		got, err := CanonicalURL(tt.in)
		if (err != nil) != tt.wantErr {
			t.Fatalf("CanonicalURL(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
		}
		if got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIDStableAcrossSchemeAndWWW(t *testing.T) {
	a, _ := CanonicalURL("https://www.example.com/story?utm_campaign=x")
	b, _ := CanonicalURL("http://example.com/story")
	if ID(a) != ID(b) {
		t.Fatalf("ids differ: %s %s", ID(a), ID(b))
	}
	c, _ := CanonicalURL("http://example.com/other")
	if ID(a) == ID(c) {
		t.Fatal("different pages share an id")
	}
}

func TestSnippet(t *testing.T) {
	if got := Snippet("short", 10); got != "short" {
		t.Fatalf("got %q", got)
	}
	got := Snippet("one two three four five six", 12)
	if got != "one two…" {
		t.Fatalf("got %q", got)
	}
}
