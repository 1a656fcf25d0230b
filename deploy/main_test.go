package deploy

import (
	"testing"

	"github.com/plutora-sync/plutora-sync/sync/workertest"
)

// TestMain removes the binary that the README tests build.
func TestMain(m *testing.M) { workertest.Main(m) }
