// Package ids makes identifiers.
package ids

import "github.com/google/uuid"

// New returns a random identifier.
func New() string { return uuid.NewString() }
