//go:build !unix

package advisory

import "context"

// lockFile is a no-op where flock is not available: concurrent writers are
// then serialised by SQLite alone, and concurrent updates may both swap.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	return func() {}, nil
}
