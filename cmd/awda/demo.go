package main

import (
	"context"
	"errors"
	"io"

	"awda/models"
)

// demoOptions choose the demo dataset's year and size.
type demoOptions struct {
	Year  int
	Scale int
}

// loadDemo loads the demo dataset (issue 5 builds the generator).
func loadDemo(ctx context.Context, stores *models.Stores, opts demoOptions, stdout io.Writer) error {
	return errors.New("the demo dataset is not available yet")
}
