//go:build ignore

// gen.go regenerates the fixtures; run with go run gen.go.
package main

import "github.com/BurntSushi/toml"

func main() { _ = toml.Unmarshal }
