// Command plutora-sync keeps a PostgreSQL warehouse in step with Plutora and
// Plutora Test. See README.md for the subcommands.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println("plutora-sync", version)
		return
	}
	fmt.Fprintln(os.Stderr, "usage: plutora-sync version")
	os.Exit(2)
}
