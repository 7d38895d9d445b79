package main

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

func main() { fmt.Println(yaml.Marshal(1)) }
