module example.com/app

go 1.21

require (
	example.com/lib v1.0.0
	golang.org/x/net v0.17.0
	gopkg.in/yaml.v3 v3.0.1 // indirect
)

require github.com/pkg/errors v0.9.1 // indirect

replace (
	example.com/lib => ../lib
	golang.org/x/net v0.17.0 => golang.org/x/net v0.23.0
	golang.org/x/net => golang.org/x/net v0.1.0
	github.com/pkg/errors => github.com/fork/errors v0.9.2-0.20230101000000-abcdefabcdef
)
