package elastic

import "github.com/parley-news/parley/pkg/query"

// Resolver finds the entity a name stands for (query.Resolver has the same
// method, so either satisfies the other).
type Resolver interface {
	Lookup(name string) (kind, id string, ok bool)
}

// expand applies the resolver: a person's or place's name matches all its
// known spellings (DESIGN A4).
//
// TODO(es): call query.Expand(n, r) once pkg/query has it; until then Open
// warns that cfg.Resolver is not applied.
func expand(n query.Node, r Resolver) query.Node { return n }

const expandAvailable = false
