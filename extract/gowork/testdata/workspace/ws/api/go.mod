module example.com/api

go 1.23.0

require golang.org/x/net v0.17.0
