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
