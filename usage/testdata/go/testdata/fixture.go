package fixture

import "github.com/pkg/errors"

var E = errors.New("fixture")
