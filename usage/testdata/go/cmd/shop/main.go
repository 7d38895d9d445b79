// Command shop serves the storefront.
package main

import (
	"context"
	"fmt"

	"cloud.google.com/go/storage"
	"github.com/spf13/cobra"

	"example.com/shop/internal/store"
)

// The old loader used "golang.org/x/mod/modfile"; see store for the new one.

func main() {
	cmd := &cobra.Command{Use: "shop", RunE: func(*cobra.Command, []string) error {
		c, err := storage.NewClient(context.Background())
		fmt.Println(c, store.ID())
		return err
	}}
	_ = cmd.Execute()
}
