package redact

import "testing"

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://news.example/feed.xml", "https://news.example/feed.xml"},
		{"https://reader:s3cret@news.example/feed.xml", "https://reader:***@news.example/feed.xml"},
		{"https://reader:p%40ss%3Aw0rd@news.example/feed", "https://reader:***@news.example/feed"},
		{"https://ghp_t0ken@news.example/feed", "https://***@news.example/feed"},
		{"https://:tok@news.example/feed", "https://:***@news.example/feed"},
		{"https://a:a@a.example/a", "https://a:***@a.example/a"},
		{"nats://parley:pw@127.0.0.1:4222", "nats://parley:***@127.0.0.1:4222"},
		{"nats://s3cr3t-token@127.0.0.1:4222", "nats://***@127.0.0.1:4222"},
		{"http://elastic:changeme@127.0.0.1:9200", "http://elastic:***@127.0.0.1:9200"},
		{"https://reader:bad%zz@news.example/feed", "https://reader:***@news.example/feed"},
		{"not a url at all", "not a url at all"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestList(t *testing.T) {
	in := "nats://a:pw1@10.0.0.1:4222,nats://tok@10.0.0.2:4222,nats://10.0.0.3:4222"
	want := "nats://a:***@10.0.0.1:4222,nats://***@10.0.0.2:4222,nats://10.0.0.3:4222"
	if got := List(in); got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
}

func TestIn(t *testing.T) {
	tests := []struct{ text, raw, want string }{
		{
			`fetch https://reader:s3cret@news.example/feed.xml: HTTP 500; parse feed https://reader:s3cret@news.example/feed.xml: s3cret`,
			"https://reader:s3cret@news.example/feed.xml",
			`fetch https://reader:***@news.example/feed.xml: HTTP 500; parse feed https://reader:***@news.example/feed.xml: s3cret`,
		},
		{
			`Get "https://reader:p@ss@news.example/feed": EOF`,
			"https://reader:p%40ss@news.example/feed",
			`Get "https://reader:***@news.example/feed": EOF`,
		},
		{
			`dial https://tok3n@news.example/feed: refused`,
			"https://tok3n@news.example/feed",
			`dial https://***@news.example/feed: refused`,
		},
	}
	for _, tt := range tests {
		if got := In(tt.text, tt.raw); got != tt.want {
			t.Errorf("In(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
