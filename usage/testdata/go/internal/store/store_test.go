package store

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestID(t *testing.T) { require.Len(t, ID(), 36) }
