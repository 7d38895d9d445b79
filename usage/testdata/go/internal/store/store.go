package store

import "github.com/google/uuid"

// ID returns a new order id.
func ID() string { return uuid.NewString() }
