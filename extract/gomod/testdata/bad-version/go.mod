module example.com/bv

go 1.21

require github.com/a/b latest
