module github.com/parley-news/parley/services/indexer

go 1.26

require github.com/parley-news/parley/pkg v0.0.0

replace github.com/parley-news/parley/pkg => ../../pkg
