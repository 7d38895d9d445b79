module example.com/shop

go 1.24

require (
	cloud.google.com/go v0.112.0
	cloud.google.com/go/storage v1.40.0
	github.com/BurntSushi/toml v1.3.2
	github.com/google/uuid v1.6.0
	github.com/pkg/errors v0.9.1
	github.com/spf13/cobra v1.8.0
	github.com/stretchr/testify v1.9.0
	golang.org/x/mod v0.17.0
	golang.org/x/tools v0.21.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.5 // indirect
)

tool golang.org/x/tools/cmd/stringer
