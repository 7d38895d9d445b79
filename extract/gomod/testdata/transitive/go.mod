// A module whose dependencies' go.mod files are in the test's module cache.
module example.com/svc

go 1.22

require (
	github.com/spf13/cobra v1.8.0
	github.com/Azure/azure-sdk v1.2.0
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
	github.com/orphan/mod v0.3.0 // indirect
	example.com/cyc/a v1.0.0 // indirect
	example.com/cyc/b v1.0.0 // indirect
)
