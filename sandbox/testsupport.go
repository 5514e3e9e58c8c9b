package sandbox

// Err returns the first error recorded for the execution: an exception thrown by work run
// from the event loop (RunTask: callLater, API callbacks), or the error Execute ended with.
// The test framework (sandbox/sandboxtest) fails a scenario whose callbacks threw.
func (ex *Execution) Err() error { return ex.err }
