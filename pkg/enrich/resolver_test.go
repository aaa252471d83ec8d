package enrich

import (
	"fmt"
	"strings"
	"testing"

	"github.com/parley-news/parley/pkg/query"
)

var _ query.Resolver = (*Gazetteer)(nil)

// TestExpandWithGazetteer runs the query language's expansion (docs/contract.md, Query language)
// with the gazetteer: every spelling of a name reaches the same entity.
func TestExpandWithGazetteer(t *testing.T) {
	g, err := NewGazetteer()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		term query.Term
		want string // the entity or country term the expansion must contain
	}{
		{query.Term{Value: "Zelenskiy"}, "entity:Q3874799"},
		{query.Term{Value: "Zelensky"}, "entity:Q3874799"},
		{query.Term{Value: "Zelenskyy"}, "entity:Q3874799"},
		{query.Term{Value: "Зеленского"}, "entity:Q3874799"},
		{query.Term{Value: "Kiev"}, "entity:Q1899"},
		{query.Term{Field: query.FieldPerson, Value: "Vladimir Putin"}, "entity:Q7747"},
		{query.Term{Field: query.FieldPerson, Value: "Путин"}, "entity:Q7747"},
		{query.Term{Field: query.FieldCountry, Value: "AE"}, "country:AE"},
		{query.Term{Field: query.FieldCountry, Value: "UAE"}, "country:AE"},
		{query.Term{Field: query.FieldCountry, Value: "Ukraine"}, "country:UA"},
	}
	for _, tc := range tests {
		got := fmt.Sprint(query.Expand(tc.term, g))
		if !strings.Contains(got, tc.want) {
			t.Errorf("Expand(%+v) = %s, want it to contain %s", tc.term, got, tc.want)
		}
	}
}
