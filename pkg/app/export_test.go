package app

// Test helpers for the external test package app_test, whose tests drive
// the command line (pkg/cli imports this package, so they cannot live here).
var (
	StartApp = startApp
	Search   = search
	WaitFor  = waitFor
	FreeAddr = freeAddr
)
