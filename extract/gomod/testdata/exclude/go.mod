module example.com/ex

go 1.20

require github.com/bad/mod v1.1.0

exclude (
	github.com/bad/mod v1.0.0
	github.com/bad/mod v1.1.0
)
