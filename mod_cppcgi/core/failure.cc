// SPDX-License-Identifier: Apache-2.0
#include "core/failure.h"

#include <array>
#include <cstdio>

namespace cppcgi {
namespace {

constexpr FaultSpec Spec(Fault f) {
  using L = LogLevel;
  using M = FaultMetric;
  switch (f) {
    case Fault::kExecCgiOff: return {2, L::kError, 403, M::kNone};
    case Fault::kNotFound: return {3, L::kError, 404, M::kNone};
    case Fault::kIsDirectory: return {4, L::kError, 403, M::kNone};
    case Fault::kPathInfoOff: return {5, L::kError, 404, M::kNone};
    case Fault::kNphIncluded: return {19, L::kError, 403, M::kNone};
    case Fault::kDashArgument: return {22, L::kError, 400, M::kNone};
    case Fault::kBodyRead: return {15, L::kInfo, 400, M::kNone};
    case Fault::kBodyTooLarge: return {30, L::kInfo, 413, M::kNone};
    case Fault::kBodySpool: return {29, L::kError, 500, M::kNone};
    case Fault::kNoPool: return {26, L::kError, 503, M::kPoolUnreachable};
    case Fault::kHandoff: return {6, L::kError, 503, M::kPoolUnreachable};
    case Fault::kHelperSilent: return {27, L::kError, 503, M::kPoolUnreachable};
    case Fault::kRequestTooLarge: return {28, L::kError, 500, M::kExecFailed};
    case Fault::kBusy: return {18, L::kWarning, 503, M::kBusy};
    case Fault::kSpawnFailed: return {7, L::kError, 500, M::kExecFailed};
    case Fault::kSuexecRefused: return {24, L::kError, 500, M::kExecFailed};
    case Fault::kHelperProtocol: return {16, L::kError, 502, M::kHelperFault};
    case Fault::kNoHeaders: return {8, L::kError, 500, M::kNoHeaders};
    case Fault::kBadHeaders: return {9, L::kError, 500, M::kBadHeaders};
    case Fault::kIdleTimeout: return {10, L::kError, 504, M::kIdleTimeout};
    case Fault::kRunTime: return {17, L::kError, 504, M::kRunTime};
    case Fault::kKilledAfterHeaders: return {23, L::kError, 500, M::kNone};
    case Fault::kPollFailed: return {12, L::kError, 500, M::kNone};
    case Fault::kClientGone: return {13, L::kInfo, 400, M::kClientGone};
  }
  return {14, LogLevel::kError, 500, FaultMetric::kNone};
}

constexpr std::array<FaultSpec, kFaultCount> MakeTable() {
  std::array<FaultSpec, kFaultCount> t{};
  for (size_t i = 0; i < kFaultCount; ++i) t[i] = Spec(static_cast<Fault>(i));
  return t;
}

constexpr std::array<FaultSpec, kFaultCount> kTable = MakeTable();

// No two faults share an id.
constexpr bool IdsDistinct() {
  for (size_t i = 0; i < kFaultCount; ++i)
    for (size_t j = i + 1; j < kFaultCount; ++j)
      if (kTable[i].id == kTable[j].id) return false;
  return true;
}
static_assert(IdsDistinct(), "two faults share a log id");

}  // namespace

const FaultSpec& SpecOf(Fault fault) { return kTable[static_cast<size_t>(fault)]; }

std::string FaultLogPrefix(Fault fault) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "CPPCGI%04d: ", SpecOf(fault).id);
  return buf;
}

}  // namespace cppcgi
