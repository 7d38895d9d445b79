module example.com/shop/tools/nested

go 1.24

require (
	github.com/google/uuid v1.6.0
	gopkg.in/yaml.v3 v3.0.1
)
