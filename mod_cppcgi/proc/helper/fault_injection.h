// SPDX-License-Identifier: Apache-2.0
// Test-only misbehaviour of a helper, for the tests of how workers meet a
// faulty helper (adversarial scenario E7). Only a build configured with
// -DCPPCGI_FAULT_INJECTION=ON reads CPPCGI_FAULT from the helper's
// environment; in any other build InjectedFaultFromEnvironment() is always
// kNone.
//   CPPCGI_FAULT=bad-started   the start report's frame has a corrupt header
//   CPPCGI_FAULT=exited-first  an exit report comes in place of the start report
//   CPPCGI_FAULT=bad-exited    the exit report's frame has a corrupt header
#pragma once

#include <string>

namespace cppcgi {

enum class InjectedFault { kNone, kBadStarted, kExitedFirst, kBadExited };

// Read once, at the helper's start.
InjectedFault InjectedFaultFromEnvironment();

// Makes an encoded frame undecodable (its magic number).
void CorruptFrame(std::string& frame);

}  // namespace cppcgi
