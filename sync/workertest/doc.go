// Package workertest holds what the tests of the built worker share, as
// net/http/httptest does for HTTP: the plutora-sync binary built once per
// test process, the environment that points it (or an in-process daemon) at
// the sandbox (extract/plutoratest), free loopback ports, a fake clock, JSON
// compared by content, and the comparison of the warehouse's tables with the
// sandbox's records.
//
// A package whose tests call Binary runs them through Main:
//
//	func TestMain(m *testing.M) { workertest.Main(m) }
package workertest
