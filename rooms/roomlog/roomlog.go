// Package roomlog holds the durable implementations of rooms.Log, the
// ordered log of each room's entries with its newest snapshot:
//   - Disk, the embedded default, in one bbolt file with group commits;
//   - Redis, a stream per room appended by one script that stamps Redis
//     TIME, the epoch and the rules version, and publishes the entry.
//
// The third, rooms.MemoryLog (for tests and for running without a data
// directory), lives beside the Log interface so that the rooms package's
// own tests can use it. All three pass one conformance suite
// (conformance_test.go), so the rules above them cannot tell them apart
// except by durability.
package roomlog
