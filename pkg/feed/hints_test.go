package feed

import (
	"fmt"
	"testing"
	"time"
)

func TestMinInterval(t *testing.T) {
	const rss = `<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>t</title><link>https://example.org/</link>%s<item><title>a</title><link>https://example.org/a</link></item></channel></rss>`
	tests := []struct {
		name, extra string
		want        time.Duration
	}{
		{"none", "", 0},
		{"ttl in minutes", "<ttl>60</ttl>", time.Hour},
		{"sy hourly twice", "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>", 30 * time.Minute},
		{"sy daily, no frequency", "<sy:updatePeriod> Daily </sy:updatePeriod>", 24 * time.Hour},
		{"the larger wins", "<ttl>15</ttl><sy:updatePeriod>hourly</sy:updatePeriod>", time.Hour},
		{"nonsense ignored", "<ttl>soon</ttl><sy:updatePeriod>fortnightly</sy:updatePeriod><sy:updateFrequency>-3</sy:updateFrequency>", 0},
		{"negative ttl ignored", "<ttl>-5</ttl>", 0},
	}
	for _, tt := range tests {
		f, err := Parse([]byte(fmt.Sprintf(rss, tt.extra)), "application/rss+xml", "https://example.org/feed")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if f.MinInterval != tt.want {
			t.Errorf("%s: MinInterval %v, want %v", tt.name, f.MinInterval, tt.want)
		}
	}
}

func TestDiscoverHub(t *testing.T) {
	tests := []struct {
		name, doc, hub, self string
	}{
		{"atom:link in RSS", `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title><link>https://example.org/</link><atom:link rel="hub" href="https://hub.example/"/><atom:link rel="self" type="application/rss+xml" href="https://example.org/feed.xml"/><item><title>a</title><link>https://example.org/a</link><atom:link rel="hub" href="https://wrong.example/"/></item></channel></rss>`,
			"https://hub.example/", "https://example.org/feed.xml"},
		{"Atom", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="self" href="/atom"/><link rel="hub" href="https://pubsubhubbub.appspot.com/"/><entry><title>a</title><link href="https://example.org/a"/><id>a</id></entry></feed>`,
			"https://pubsubhubbub.appspot.com/", "https://example.org/atom"},
		{"JSON Feed", `{"version":"https://jsonfeed.org/version/1.1","title":"t","feed_url":"https://example.org/feed.json","hubs":[{"type":"rssCloud","url":"https://cloud.example/"},{"type":"WebSub","url":"https://hub.example/websub"}],"items":[{"id":"1","url":"https://example.org/1","content_text":"x"}]}`,
			"https://hub.example/websub", "https://example.org/feed.json"},
		{"none", `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://example.org/</link><item><title>a</title><link>https://example.org/a</link></item></channel></rss>`, "", ""},
		{"a hub that is not http", `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="hub" href="javascript:alert(1)"/><entry><title>a</title><id>a</id></entry></feed>`, "", ""},
	}
	for _, tt := range tests {
		f, err := Parse([]byte(tt.doc), "", "https://example.org/feed")
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if f.Hub != tt.hub || f.Self != tt.self {
			t.Errorf("%s: hub %q self %q, want %q %q", tt.name, f.Hub, f.Self, tt.hub, tt.self)
		}
	}
}
