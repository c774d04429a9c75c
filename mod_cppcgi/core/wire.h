// SPDX-License-Identifier: Apache-2.0
// Wire protocol between an httpd worker (the handler) and a helper process.
//
// Every message is one frame: a fixed 12-byte header (magic, version, type,
// payload length) followed by the payload. The handler sends one kSpawn frame
// per script, with the script's stdin, stdout and stderr pipe ends and the
// checked file to execute (the binary, or the interpreter) attached as
// SCM_RIGHTS; the helper answers kStarted (or kSpawnFailed) and, when it has
// reaped the script, kExited on the same connection. No request or response
// byte of the HTTP exchange ever travels on this channel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace cppcgi::wire {

inline constexpr uint32_t kMagic = 0x47435043;  // "CPCG" little-endian
inline constexpr uint16_t kVersion = 4;
inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxPayload = 4u << 20;       // whole frame payload
inline constexpr size_t kMaxPathLength = 4096;        // PATH_MAX
inline constexpr size_t kMaxNameLength = 255;         // NAME_MAX
inline constexpr size_t kMaxStringLength = 128u << 10;  // MAX_ARG_STRLEN on Linux
inline constexpr size_t kMaxListEntries = 8192;       // argv or env entries
inline constexpr int kFdsPerSpawn = 4;                // stdin, stdout, stderr, the file to execute
inline constexpr size_t kMaxLabelLength = 512;        // SpawnRequest::request and ::client

enum class Type : uint16_t {
  kSpawn = 1,
  kStarted = 2,
  kSpawnFailed = 3,
  kExited = 4,
};

struct FrameHeader {
  Type type;
  uint32_t length;  // payload bytes that follow the header
};

// A resource limit for the script (setrlimit), from RLimitCPU/MEM/NPROC.
struct Limit {
  int32_t resource = 0;  // RLIMIT_CPU, RLIMIT_AS, RLIMIT_NPROC
  uint64_t soft = 0;
  uint64_t hard = 0;
};
inline constexpr size_t kMaxLimits = 8;

// A secret that httpd's parent draws once per server run and that only its
// workers and helpers hold (inherited memory, never an fd, a file or the
// environment): a helper starts nothing for a request without it.
inline constexpr size_t kWorkerKeySize = 32;
using WorkerKey = std::array<uint8_t, kWorkerKeySize>;
// Compares in a time that does not depend on where they differ.
bool SameKey(const WorkerKey& a, const WorkerKey& b);

struct SpawnRequest {
  WorkerKey key{};                // the server's worker key
  std::string path;               // program to execute (absolute)
  // Empty: the passed file is executed as is. Else the passed file is the
  // script's directory, which becomes the working directory, and this name
  // in it is executed, never through a symbolic link (as the suEXEC
  // wrapper executes a script: a #! script whose owner alone may read it
  // runs too, and its interpreter gets this name). No '/'.
  std::string exec_name;
  std::string cwd;                // working directory for the script
  std::vector<std::string> argv;  // argv[0] first
  std::vector<std::string> env;   // "NAME=value"
  std::vector<Limit> limits;      // applied in the child before exec
  // Concurrency caps, enforced by helpers in shared counters: slot 0 is
  // unused; a positive slot names a per-directory counter.
  uint32_t dir_slot = 0;
  uint32_t dir_cap = 0;    // 0: no per-directory cap
  uint32_t total_cap = 0;  // 0: no server-wide cap
  // For the running-scripts table of the status page only (cut to kMaxLabelLength).
  std::string request;  // "GET /cgi-bin/x.py?q"
  std::string client;   // the client's address
  // CppCgiPythonPreload: argv is {python3, [flags,] path, ...} and may be run
  // by a warm interpreter that has imported these modules (core/python_preload.h).
  bool warm_python = false;
  std::vector<std::string> python_preload;
};

struct Started {
  int32_t pid = 0;
  bool warm = false;  // forked by a warm Python process (CppCgiPythonPreload)
};

struct SpawnFailed {
  int32_t sys_errno = 0;
  std::string what;  // which step failed, for the log
  bool busy = false;  // refused by a concurrency cap, not a failure
};

struct Exited {
  int32_t wait_status = 0;  // as from waitpid()
  int64_t wall_us = 0;
  int64_t user_us = 0;
  int64_t sys_us = 0;
  int64_t max_rss_kb = 0;
};

using Message = std::variant<SpawnRequest, Started, SpawnFailed, Exited>;

// Serialises one message as a complete frame (header + payload). One
// overload per type: a SpawnRequest is encoded where it is, not first
// copied into a Message.
StatusOr<std::string> Encode(const SpawnRequest& message);
StatusOr<std::string> Encode(const Started& message);
StatusOr<std::string> Encode(const SpawnFailed& message);
StatusOr<std::string> Encode(const Exited& message);
StatusOr<std::string> Encode(const Message& message);

// Parses and validates a frame header. kIncomplete if fewer than kHeaderSize bytes.
StatusOr<FrameHeader> DecodeHeader(std::span<const uint8_t> bytes);

// Decodes exactly one complete frame (header + payload); trailing bytes are an error.
StatusOr<Message> Decode(std::span<const uint8_t> frame);

// Convenience overload for std::string buffers.
inline StatusOr<Message> Decode(std::string_view frame) {
  return Decode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(frame.data()), frame.size()));
}

}  // namespace cppcgi::wire
