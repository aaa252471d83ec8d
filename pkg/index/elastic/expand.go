package elastic

import "github.com/parley-news/parley/pkg/query"

// expand applies the resolver: a person's or place's name matches all its
// known spellings (docs/contract.md, Query language).
func expand(n query.Node, r query.Resolver) query.Node { return query.Expand(n, r) }
