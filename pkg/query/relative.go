package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Unit is a unit of date math: y (year), M (month), w (week), d (day),
// h (hour), m (minute), s (second), as in Elasticsearch's date math.
type Unit byte

// The units of a relative date.
const (
	Year   Unit = 'y'
	Month  Unit = 'M'
	Week   Unit = 'w'
	Day    Unit = 'd'
	Hour   Unit = 'h'
	Minute Unit = 'm'
	Second Unit = 's'
)

const unitHelp = "y (years), M (months), w (weeks), d (days), h (hours), m (minutes) or s (seconds)"

func parseUnit(c byte) (Unit, bool) {
	switch c {
	case 'y', 'M', 'w', 'd', 'h', 'm', 's':
		return Unit(c), true
	case 'H':
		return Hour, true
	}
	return 0, false
}

// maxAmount bounds the offset of a relative date so that it cannot
// overflow a time.Time (10,000 years in any unit is far enough).
const maxAmount = 1_000_000

// Relative is a moment relative to the time a query runs: now, plus Amount
// Units (Amount is negative for the past), then rounded to Round when it is
// set: a range's start rounds down to the unit's first instant, its end up
// to the unit's last nanosecond, so published_at:[now-7d/d TO now/d] is the
// last seven whole days and today. Weeks start on Monday; every unit is
// taken in UTC. A month or year from the 31st (or 29 February) ends on the
// last day of a shorter month: now-1M on 31 March is 28 or 29 February.
type Relative struct {
	Amount int
	Unit   Unit // 0: no offset
	Round  Unit // 0: not rounded
}

// At is the moment r stands for when the query runs at now; end rounds up
// (the end of a range) instead of down.
func (r Relative) At(now time.Time, end bool) time.Time {
	t := now.UTC()
	switch r.Unit {
	case Year:
		t = addMonths(t, 12*r.Amount)
	case Month:
		t = addMonths(t, r.Amount)
	case Week:
		t = t.AddDate(0, 0, 7*r.Amount)
	case Day:
		t = t.AddDate(0, 0, r.Amount)
	case Hour:
		t = t.Add(time.Duration(r.Amount) * time.Hour)
	case Minute:
		t = t.Add(time.Duration(r.Amount) * time.Minute)
	case Second:
		t = t.Add(time.Duration(r.Amount) * time.Second)
	}
	t = clampYear(t)
	if r.Round == 0 {
		return t
	}
	start := truncate(t, r.Round)
	if !end {
		return start
	}
	var next time.Time
	switch r.Round {
	case Year:
		next = start.AddDate(1, 0, 0)
	case Month:
		next = start.AddDate(0, 1, 0)
	case Week:
		next = start.AddDate(0, 0, 7)
	case Day:
		next = start.AddDate(0, 0, 1)
	case Hour:
		next = start.Add(time.Hour)
	case Minute:
		next = start.Add(time.Minute)
	default:
		next = start.Add(time.Second)
	}
	return next.Add(-time.Nanosecond)
}

// The span of years a written date can have (RFC 3339 and Elasticsearch
// read four-digit years only): a relative date beyond it is clamped.
var (
	firstWritable = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	lastWritable  = time.Date(9999, 12, 1, 0, 0, 0, 0, time.UTC)
)

func clampYear(t time.Time) time.Time {
	if t.Before(firstWritable) {
		return firstWritable
	}
	if t.After(lastWritable) {
		return lastWritable
	}
	return t
}

// truncate returns the first instant of the unit t is in (UTC).
func truncate(t time.Time, u Unit) time.Time {
	y, mo, d := t.Date()
	switch u {
	case Year:
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	case Month:
		return time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
	case Week:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, mo, d-back, 0, 0, 0, 0, time.UTC)
	case Day:
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	case Hour:
		return t.Truncate(time.Hour)
	case Minute:
		return t.Truncate(time.Minute)
	}
	return t.Truncate(time.Second)
}

// addMonths adds n calendar months, keeping the day of the month when the
// target month has it and taking its last day otherwise.
func addMonths(t time.Time, n int) time.Time {
	y, mo, d := t.Date()
	first := time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	hh, mm, ss := t.Clock()
	return time.Date(first.Year(), first.Month(), min(d, last), hh, mm, ss, t.Nanosecond(), time.UTC)
}

// String writes r as the query language does: now, now-7d, now+1h/h.
func (r Relative) String() string {
	var b strings.Builder
	b.WriteString("now")
	if r.Unit != 0 {
		if r.Amount >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(r.Amount))
		b.WriteByte(byte(r.Unit))
	}
	if r.Round != 0 {
		b.WriteByte('/')
		b.WriteByte(byte(r.Round))
	}
	return b.String()
}

// isRelative reports whether a date bound is written relative to now.
func isRelative(s string) bool { return strings.HasPrefix(s, "now") }

// parseRelative reads now[(+|-)N unit][/unit].
func parseRelative(s string, pos int) (Relative, error) {
	bad := func(why string) (Relative, error) {
		return Relative{}, errorf(pos, "invalid relative date %q: %s; write now, now-7d, now-24h, now-1M or now-7d/d with units %s", s, why, unitHelp)
	}
	var r Relative
	rest := s[len("now"):]
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		sign := 1
		if rest[0] == '-' {
			sign = -1
		}
		rest = rest[1:]
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return bad("a number must follow + or -")
		}
		n, err := strconv.Atoi(rest[:i])
		if err != nil || n > maxAmount {
			return bad(fmt.Sprintf("the amount must be at most %d", maxAmount))
		}
		if i == len(rest) {
			return bad("a unit must follow the number")
		}
		u, ok := parseUnit(rest[i])
		if !ok {
			return bad(fmt.Sprintf("unknown unit %q", rest[i]))
		}
		r.Amount, r.Unit = sign*n, u
		rest = rest[i+1:]
	}
	if rest != "" && rest[0] == '/' {
		if len(rest) != 2 {
			return bad("one unit must follow /")
		}
		u, ok := parseUnit(rest[1])
		if !ok {
			return bad(fmt.Sprintf("unknown unit %q", rest[1]))
		}
		r.Round = u
		rest = ""
	}
	if rest != "" {
		return bad(fmt.Sprintf("unexpected %q", rest))
	}
	return r, nil
}

// Bounds returns the instants r spans when the query runs at now: From
// and To, or where a bound is relative, that bound resolved against now.
// A zero bound is open.
func (r Range) Bounds(now time.Time) (from, to time.Time) {
	from, to = r.From, r.To
	if r.FromNow != nil {
		from = r.FromNow.At(now, false)
	}
	if r.ToNow != nil {
		to = r.ToNow.At(now, true)
	}
	return from, to
}

// Resolve returns n with every relative date bound fixed to the instant it
// stands for at now, so that one search (its hits, facets and histogram,
// every page of an export) uses one "now". Backends call it before they
// translate a query; the alerter's Match resolves bounds as it goes.
func Resolve(n Node, now time.Time) Node {
	switch n := n.(type) {
	case Range:
		if n.FromNow == nil && n.ToNow == nil {
			return n
		}
		from, to := n.Bounds(now)
		return Range{Field: n.Field, From: from, To: to}
	case And:
		return And{Children: resolveAll(n.Children, now)}
	case Or:
		return Or{Children: resolveAll(n.Children, now)}
	case Not:
		return Not{Child: Resolve(n.Child, now)}
	}
	return n
}

func resolveAll(ns []Node, now time.Time) []Node {
	out := make([]Node, len(ns))
	for i, c := range ns {
		out[i] = Resolve(c, now)
	}
	return out
}

// DateBounds is the span of publication times every match of n lies in,
// as far as n's published_at ranges say (ranges under AND narrow it; under
// OR or NOT they are not counted): from and to are zero where n leaves
// that side open. Relative bounds are taken as they stand, so resolve n
// first (Resolve).
func DateBounds(n Node) (from, to time.Time) {
	switch n := n.(type) {
	case Range:
		if n.Field == FieldPublished && n.FromNow == nil && n.ToNow == nil {
			return n.From, n.To
		}
	case And:
		for _, c := range n.Children {
			f, t := DateBounds(c)
			if !f.IsZero() && (from.IsZero() || f.After(from)) {
				from = f
			}
			if !t.IsZero() && (to.IsZero() || t.Before(to)) {
				to = t
			}
		}
	}
	return from, to
}
