// SPDX-License-Identifier: Apache-2.0
#include "core/wire.h"

#include <gtest/gtest.h>

#include <cstring>

namespace cppcgi::wire {
namespace {

SpawnRequest Sample() {
  SpawnRequest r;
  r.path = "/srv/cgi-bin/hello.py";
  r.cwd = "/srv/cgi-bin";
  r.argv = {"/srv/cgi-bin/hello.py", "a b"};
  r.env = {"GATEWAY_INTERFACE=CGI/1.1", "QUERY_STRING=", "HTTP_X=1=2"};
  for (size_t i = 0; i < r.key.size(); ++i) r.key[i] = static_cast<uint8_t>(i * 7 + 1);
  return r;
}

TEST(WireTest, SpawnRequestRoundTrips) {
  auto frame = Encode(Sample());
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  auto msg = Decode(*frame);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  const auto& r = std::get<SpawnRequest>(*msg);
  EXPECT_EQ(r.path, "/srv/cgi-bin/hello.py");
  EXPECT_EQ(r.cwd, "/srv/cgi-bin");
  EXPECT_EQ(r.argv, (std::vector<std::string>{"/srv/cgi-bin/hello.py", "a b"}));
  EXPECT_EQ(r.env, Sample().env);
  EXPECT_EQ(r.key, Sample().key);
}

TEST(WireTest, AFileNameToExecuteIsAPlainName) {
  SpawnRequest r = Sample();
  r.exec_name = "hello.py";
  auto msg = Decode(*Encode(r));
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_EQ(std::get<SpawnRequest>(*msg).exec_name, "hello.py");
  for (const char* bad : {"a/b", "..", ".", "/x"}) {
    r.exec_name = bad;
    EXPECT_FALSE(Encode(r).ok()) << bad;
  }
  r.exec_name = std::string(256, 'x');
  EXPECT_FALSE(Encode(r).ok());
}

TEST(WireTest, KeysCompareWhole) {
  WorkerKey a = Sample().key, b = a;
  EXPECT_TRUE(SameKey(a, b));
  for (size_t i : {size_t{0}, size_t{17}, kWorkerKeySize - 1}) {
    b = a;
    b[i] ^= 0x80;
    EXPECT_FALSE(SameKey(a, b)) << i;
  }
  EXPECT_FALSE(SameKey(a, WorkerKey{}));
}

TEST(WireTest, RepliesRoundTrip) {
  auto started = Decode(*Encode(Started{1234}));
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(std::get<Started>(*started).pid, 1234);

  auto failed = Decode(*Encode(SpawnFailed{13, "exec of '/x' failed"}));
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(std::get<SpawnFailed>(*failed).sys_errno, 13);
  EXPECT_EQ(std::get<SpawnFailed>(*failed).what, "exec of '/x' failed");

  auto exited = Decode(*Encode(Exited{256, 10, 20, 30, 40}));
  ASSERT_TRUE(exited.ok());
  const auto& e = std::get<Exited>(*exited);
  EXPECT_EQ(e.wait_status, 256);
  EXPECT_EQ(e.wall_us, 10);
  EXPECT_EQ(e.user_us, 20);
  EXPECT_EQ(e.sys_us, 30);
  EXPECT_EQ(e.max_rss_kb, 40);
}

TEST(WireTest, HeaderNeedsTwelveBytes) {
  std::string frame = *Encode(Started{1});
  auto h = DecodeHeader(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame.data()), 11));
  EXPECT_EQ(h.status().code(), Code::kIncomplete);
}

TEST(WireTest, RejectsBadMagicVersionTypeAndLength) {
  std::string good = *Encode(Started{1});
  for (size_t byte : {0u, 4u, 6u}) {
    std::string bad = good;
    bad[byte] ^= 0x5a;
    EXPECT_FALSE(Decode(bad).ok()) << "byte " << byte;
  }
  std::string huge = good;
  uint32_t len = kMaxPayload + 1;
  std::memcpy(huge.data() + 8, &len, 4);
  EXPECT_EQ(Decode(huge).status().code(), Code::kTooLarge);
}

TEST(WireTest, RejectsTruncatedAndTrailingBytes) {
  std::string frame = *Encode(Sample());
  EXPECT_FALSE(Decode(std::string_view(frame).substr(0, frame.size() - 1)).ok());
  EXPECT_FALSE(Decode(frame + "x").ok());
}

TEST(WireTest, EveryTruncationOfThePayloadIsRefused) {
  std::string frame = *Encode(Sample());
  // Shrink the declared length along with the bytes: the payload itself is cut short.
  for (size_t cut = kHeaderSize; cut < frame.size(); ++cut) {
    std::string t = frame.substr(0, cut);
    auto len = static_cast<uint32_t>(cut - kHeaderSize);
    std::memcpy(t.data() + 8, &len, 4);
    EXPECT_FALSE(Decode(t).ok()) << "cut at " << cut;
  }
}

TEST(WireTest, RefusesRelativePathEmptyArgvAndBadEnv) {
  SpawnRequest r = Sample();
  r.path = "relative.py";
  EXPECT_FALSE(Decode(*Encode(r)).ok());
  r = Sample();
  r.argv.clear();
  EXPECT_FALSE(Encode(r).ok());
  r = Sample();
  r.env = {"NOEQUALS"};
  EXPECT_FALSE(Decode(*Encode(r)).ok());
  r = Sample();
  r.env = {"=value"};
  EXPECT_FALSE(Decode(*Encode(r)).ok());
}

TEST(WireTest, RefusesNulBytesAndOversizedStrings) {
  SpawnRequest r = Sample();
  r.env.push_back(std::string("A=b\0c", 5));
  EXPECT_FALSE(Encode(r).ok());
  r = Sample();
  r.path = "/" + std::string(kMaxPathLength, 'a');
  EXPECT_EQ(Encode(r).status().code(), Code::kTooLarge);
  r = Sample();
  r.env.push_back("BIG=" + std::string(kMaxStringLength, 'v'));
  EXPECT_EQ(Encode(r).status().code(), Code::kTooLarge);
}

TEST(WireTest, ListCountLargerThanPayloadIsRefused) {
  SpawnRequest r = Sample();
  r.env.clear();
  std::string frame = *Encode(r);
  // The env count comes before the limit count, three cap fields and the
  // lengths of the two empty labels (7 x 4 bytes).
  uint32_t count = 1000000;
  std::memcpy(frame.data() + frame.size() - 28, &count, 4);
  EXPECT_FALSE(Decode(frame).ok());
}

}  // namespace
}  // namespace cppcgi::wire

namespace cppcgi::wire {
namespace {

TEST(WireTest, LimitsAndCapsRoundTrip) {
  SpawnRequest r = Sample();
  r.limits = {{0, 5, 10}, {9, 1u << 30, 1ull << 40}};
  r.dir_slot = 3;
  r.dir_cap = 2;
  r.total_cap = 100;
  auto msg = Decode(*Encode(r));
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  const auto& d = std::get<SpawnRequest>(*msg);
  ASSERT_EQ(d.limits.size(), 2u);
  EXPECT_EQ(d.limits[1].hard, 1ull << 40);
  EXPECT_EQ(d.dir_slot, 3u);
  EXPECT_EQ(d.dir_cap, 2u);
  EXPECT_EQ(d.total_cap, 100u);
}

TEST(WireTest, LabelsRoundTripAndAreCapped) {
  SpawnRequest r = Sample();
  r.request = "GET /cgi-bin/hello.py?x=1";
  r.client = "127.0.0.1";
  auto msg = Decode(*Encode(r));
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_EQ(std::get<SpawnRequest>(*msg).request, "GET /cgi-bin/hello.py?x=1");
  EXPECT_EQ(std::get<SpawnRequest>(*msg).client, "127.0.0.1");
  r.request.assign(kMaxLabelLength + 1, 'a');
  EXPECT_EQ(Encode(r).status().code(), Code::kTooLarge);
}

TEST(WireTest, SoftLimitAboveHardAndTooManyLimitsAreRefused) {
  SpawnRequest r = Sample();
  r.limits = {{0, 10, 5}};
  EXPECT_FALSE(Decode(*Encode(r)).ok());
  r.limits.assign(kMaxLimits + 1, Limit{0, 1, 1});
  EXPECT_FALSE(Encode(r).ok());
}

TEST(WireTest, BusyFlagRoundTrips) {
  auto m = Decode(*Encode(SpawnFailed{0, "cap", true}));
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(std::get<SpawnFailed>(*m).busy);
}

}  // namespace
}  // namespace cppcgi::wire
