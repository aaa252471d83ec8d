package app

// The harness (harness_test.go) for the external test package app_test,
// whose tests drive the command line (pkg/cli imports this package, so
// they cannot live here).
var (
	StartApp      = startApp
	RunApp        = runApp
	StartRun      = startRun
	StartNATS     = startNATS
	StartOrigin   = startOrigin
	TestLogger    = testLogger
	WriteFeedList = writeFeedList
	Search        = search
	WaitFor       = waitFor
	FreeAddr      = freeAddr
	StreamMsgs    = streamMsgs
	StreamCount   = streamCount
	Idle          = idle
)

type LockedBuffer = lockedBuffer
