package plainhtml

import (
	"strings"
	"testing"
)

func TestPlainMarkup(t *testing.T) {
	for _, tt := range []struct {
		name, in  string
		want, not []string
	}{
		{
			name: "sectioning elements and their names",
			in:   `<body><header class="site" id="top"><nav role="navigation">Home</nav></header><main><article class="post" itemprop="articleBody" data-id="7"><p>Talks resumed.</p><time datetime="2019-01-01">Jan 1</time></article></main><aside aria-label="more">More</aside><footer>(c)</footer></body>`,
			want: []string{`<div><div>Home</div></div>`, `<div><div><p>Talks resumed.</p><span>Jan 1</span></div></div>`, `<div>More</div>`, `<div>(c)</div>`},
			not:  []string{"class=", "id=", "role=", "itemprop", "data-id", "aria-label", "datetime", "<article", "<main", "<time"},
		},
		{
			name: "JSON-LD goes, other scripts and links stay",
			in:   `<head><script type="application/ld+json">{"@type":"NewsArticle"}</script><script>var x=1</script></head><body><p><a href="/a" title="t">A</a></p></body>`,
			want: []string{`<script>var x=1</script>`, `<a href="/a" title="t">A</a>`},
			not:  []string{"NewsArticle"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Rewrite([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			s := string(out)
			for _, w := range tt.want {
				if !strings.Contains(s, w) {
					t.Errorf("missing %s in\n%s", w, s)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(s, n) {
					t.Errorf("still has %s in\n%s", n, s)
				}
			}
		})
	}
}
