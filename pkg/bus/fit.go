package bus

import (
	"encoding/json"
	"fmt"
	"strings"
)

// cuttable is a field of a message that may be shortened for the message
// to fit the payload limit: a text (cut at its end) or a list (its last
// elements dropped).
type cuttable struct {
	name string
	text *string
	list *[]string
}

func (c cuttable) size() int {
	if c.text != nil {
		return len(*c.text)
	}
	n := 0
	for _, s := range *c.list {
		n += len(s) + 3 // quotes and comma
	}
	return n
}

// noteRoom is what fit leaves under the limit for the note saying what it
// cut (Raw.Truncated, Article.Truncated).
const noteRoom = 1 << 10

// fit shortens fields, the largest first, until encode gives at most
// limit-noteRoom bytes, and returns the note of what it cut ("" when
// nothing was): "cut to fit a N-byte message: body (M bytes), ...". It is
// the one way parley makes an oversized message from outside data fit
// rather than refusing it at every attempt. Fields not listed (links, ids,
// dates) are never cut; when they alone are too large, it fails.
func fit(limit int, encode func() ([]byte, error), fields []cuttable) (string, error) {
	target := limit - noteRoom
	sizes := map[string]int{}
	var cut []string
	for {
		data, err := encode()
		if err != nil {
			return "", err
		}
		excess := len(data) - target
		if excess <= 0 {
			break
		}
		best := -1
		for i, f := range fields {
			if n := f.size(); n > 0 && (best < 0 || n > fields[best].size()) {
				best = i
			}
		}
		if best < 0 {
			return "", fmt.Errorf("%d bytes of fields that cannot be cut (links, ids, dates) exceed the %d-byte message limit", len(data), limit)
		}
		f := fields[best]
		if _, ok := sizes[f.name]; !ok {
			sizes[f.name] = f.size()
			cut = append(cut, f.name)
		}
		if f.text != nil {
			*f.text = strings.ToValidUTF8((*f.text)[:keepBytes(*f.text, excess)], "")
			continue
		}
		l, removed := *f.list, 0
		for len(l) > 0 && removed < excess {
			removed += len(l[len(l)-1]) + 3
			l = l[:len(l)-1]
		}
		*f.list = l
	}
	if len(cut) == 0 {
		return "", nil
	}
	parts := make([]string, len(cut))
	for i, name := range cut {
		parts[i] = fmt.Sprintf("%s (%d bytes)", name, sizes[name])
	}
	return fmt.Sprintf("cut to fit a %d-byte message: %s", limit, strings.Join(parts, ", ")), nil
}

// keepBytes is how much of v to keep for its JSON encoding to shrink by
// excess bytes, assuming its escapes are spread evenly (fit encodes again
// and cuts further if they were not).
func keepBytes(v string, excess int) int {
	enc, _ := json.Marshal(v)
	if len(enc) <= excess {
		return 0
	}
	keep := int(int64(len(v)) * int64(len(enc)-excess) / int64(len(enc)))
	return max(0, min(keep, len(v)-1))
}
