module github.com/passgate/passgate

go 1.21
