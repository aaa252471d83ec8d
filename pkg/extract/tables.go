package extract

import (
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// unwrapLayoutTables turns tables used for page layout into plain
// <div>s, in place. Pages of the 2000s built their columns with tables:
// the navigation, the article and a sidebar are cells of one row. Both
// extraction libraries take a table as one unit, so they return the whole
// row (menus, fixtures, teasers and all) or drop the article's cell with
// the rest. As <div>s the columns become separate blocks that are scored
// on their own, the way a modern layout is. A table is a layout table when
// one of its own cells holds a block (a paragraph, a heading, a list, a
// nested table) or a long run of text; data tables have short cells.
func unwrapLayoutTables(root *html.Node) {
	var tables []*html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				if c.DataAtom == atom.Table {
					tables = append(tables, c)
				}
				find(c)
			}
		}
	}
	find(root)
	for _, t := range tables {
		if isLayoutTable(t) {
			toDivs(t)
		}
	}
}

// layoutCellChars is the longest text a data table's cell plausibly holds.
const layoutCellChars = 400

func isLayoutTable(t *html.Node) bool {
	layout := false
	eachOwnCell(t, func(cell *html.Node) {
		if layout {
			return
		}
		if textBytes(cell, layoutCellChars) >= layoutCellChars {
			layout = true
			return
		}
		var blocks func(*html.Node)
		blocks = func(n *html.Node) {
			for c := n.FirstChild; c != nil && !layout; c = c.NextSibling {
				if c.Type != html.ElementNode {
					continue
				}
				switch c.DataAtom {
				case atom.Table, atom.P, atom.Div, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.Blockquote:
					layout = true
					return
				}
				blocks(c)
			}
		}
		blocks(cell)
	})
	return layout
}

// eachOwnCell calls fn for the cells of t itself, not of tables nested in it.
func eachOwnCell(t *html.Node, fn func(*html.Node)) {
	eachOwnPart(t, func(n *html.Node, cell bool) {
		if cell {
			fn(n)
		}
	})
}

// toDivs renames t and its own rows and cells to <div>.
func toDivs(t *html.Node) {
	rename := func(n *html.Node, _ bool) { n.Data, n.DataAtom = "div", atom.Div }
	eachOwnPart(t, rename)
	rename(t, false)
}

// eachOwnPart calls fn for the cells (cell true) and the row groups and
// rows of t itself, not of tables nested in it; a group after its children.
func eachOwnPart(t *html.Node, fn func(n *html.Node, cell bool)) {
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Td, atom.Th:
				fn(c, true)
			case atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr:
				walk(c)
				fn(c, false)
			}
		}
	}
	walk(t)
}
