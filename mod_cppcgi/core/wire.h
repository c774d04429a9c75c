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
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxPayload = 4u << 20;       // whole frame payload
inline constexpr size_t kMaxPathLength = 4096;        // PATH_MAX
inline constexpr size_t kMaxStringLength = 128u << 10;  // MAX_ARG_STRLEN on Linux
inline constexpr size_t kMaxListEntries = 8192;       // argv or env entries
inline constexpr int kFdsPerSpawn = 4;                // stdin, stdout, stderr, the file to execute

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

struct SpawnRequest {
  std::string path;               // program to execute (absolute)
  std::string cwd;                // working directory for the script
  std::vector<std::string> argv;  // argv[0] first
  std::vector<std::string> env;   // "NAME=value"
};

struct Started {
  int32_t pid = 0;
};

struct SpawnFailed {
  int32_t sys_errno = 0;
  std::string what;  // which step failed, for the log
};

struct Exited {
  int32_t wait_status = 0;  // as from waitpid()
  int64_t wall_us = 0;
  int64_t user_us = 0;
  int64_t sys_us = 0;
  int64_t max_rss_kb = 0;
};

using Message = std::variant<SpawnRequest, Started, SpawnFailed, Exited>;

// Serialises one message as a complete frame (header + payload).
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
