#pragma once
// Chooses ports for a test cluster that nothing else on this host uses.

namespace pivot::test {

// The first of `count` consecutive ports on 127.0.0.1 that could all be bound
// just now, starting at a random place: parallel test binaries (ctest -j) and a
// running demo then rarely even try the same range, and the caller retries
// with another base when it lost a race. The range stays below the kernel's
// ephemeral ports, which outgoing connections (replication, clients) take.
// Throws std::runtime_error when no such range is found.
int find_free_base_port(int count);

}  // namespace pivot::test
