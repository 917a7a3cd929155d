#pragma once
// boot_id: the envelope field that changes at every start of the sending
// process (agent or pivotd), so that a receiver restarts its seq tracking.

#include <string>

namespace pivot::protocol {

// 32 random hex digits, fresh at each call.
std::string new_boot_id();

}  // namespace pivot::protocol
