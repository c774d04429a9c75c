// SPDX-License-Identifier: Apache-2.0
#include "core/failure.h"

#include <gtest/gtest.h>

#include <set>

namespace cppcgi {
namespace {

TEST(Failure, EveryFaultHasItsOwnIdAStatusAndALevel) {
  std::set<int> ids;
  for (size_t i = 0; i < kFaultCount; ++i) {
    const FaultSpec& spec = SpecOf(static_cast<Fault>(i));
    EXPECT_TRUE(ids.insert(spec.id).second) << "id " << spec.id << " is used twice";
    EXPECT_GT(spec.id, 0);
    EXPECT_LT(spec.id, 100) << "request-path ids are 00xx";
    EXPECT_GE(spec.http_status, 400);
    EXPECT_LT(spec.http_status, 600);
  }
}

TEST(Failure, LogPrefixIsTheStableId) {
  EXPECT_EQ(FaultLogPrefix(Fault::kNoHeaders), "CPPCGI0008: ");
  EXPECT_EQ(FaultLogPrefix(Fault::kHandoff), "CPPCGI0006: ");
  EXPECT_EQ(FaultLogPrefix(Fault::kHelperSilent), "CPPCGI0027: ");
}

TEST(Failure, WhatTheClientCausedIsNotAnError) {
  EXPECT_EQ(SpecOf(Fault::kClientGone).level, LogLevel::kInfo);
  EXPECT_EQ(SpecOf(Fault::kBodyRead).level, LogLevel::kInfo);
  EXPECT_EQ(SpecOf(Fault::kBodyTooLarge).level, LogLevel::kInfo);
  EXPECT_EQ(SpecOf(Fault::kBodyTooLarge).http_status, 413);
  EXPECT_EQ(SpecOf(Fault::kBusy).level, LogLevel::kWarning);
  EXPECT_EQ(SpecOf(Fault::kBusy).metric, FaultMetric::kBusy);
}

}  // namespace
}  // namespace cppcgi

namespace cppcgi {
namespace {

// Every error or warning line says what to do about it, or which directive
// governs it; an info line (the client's doing) needs none.
TEST(Failure, EveryErrorAndWarningNamesItsFix) {
  for (size_t i = 0; i < kFaultCount; ++i) {
    const FaultSpec& spec = SpecOf(static_cast<Fault>(i));
    if (spec.level == LogLevel::kInfo) continue;
    EXPECT_GE(spec.fix.size(), 10u) << "CPPCGI" << spec.id << " has no fix";
  }
  EXPECT_NE(SpecOf(Fault::kIdleTimeout).fix.find("CppCgiIdleTimeout"), std::string_view::npos);
  EXPECT_NE(SpecOf(Fault::kRunTime).fix.find("CppCgiMaxRunTime"), std::string_view::npos);
  EXPECT_NE(SpecOf(Fault::kBusy).fix.find("CppCgiMaxScripts"), std::string_view::npos);
  EXPECT_NE(SpecOf(Fault::kNoPool).fix.find("CPPCGI0101"), std::string_view::npos);
  EXPECT_NE(SpecOf(Fault::kHandoff).fix.find("CPPCGI0102"), std::string_view::npos);
}

}  // namespace
}  // namespace cppcgi
