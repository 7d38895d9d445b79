module example.com/app

go 1.22

require (
	github.com/spf13/cobra v1.10.2
	golang.org/x/mod v0.43.0
)

require github.com/spf13/pflag v1.0.9 // indirect
