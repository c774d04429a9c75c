// SPDX-License-Identifier: Apache-2.0
#include "core/wire.h"

#include <cstring>
#include <type_traits>

namespace cppcgi::wire {
namespace {

class Writer {
 public:
  template <typename T>
  void Put(T v) {
    static_assert(std::is_integral_v<T>);
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  void PutBytes(const uint8_t* data, size_t size) { out_.append(reinterpret_cast<const char*>(data), size); }
  Status PutString(std::string_view s, size_t cap, const char* what) {
    if (s.size() > cap) return {Code::kTooLarge, std::string(what) + " longer than the wire limit"};
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_.append(s);
    return Status::Ok();
  }
  Status PutList(const std::vector<std::string>& list, const char* what) {
    if (list.size() > kMaxListEntries) return {Code::kTooLarge, std::string(what) + " has too many entries"};
    Put<uint32_t>(static_cast<uint32_t>(list.size()));
    for (const auto& s : list) {
      if (Status st = PutString(s, kMaxStringLength, what); !st.ok()) return st;
    }
    return Status::Ok();
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  template <typename T>
  bool Get(T* v) {
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(v, in_.data(), sizeof(T));
    in_ = in_.subspan(sizeof(T));
    return true;
  }
  bool GetBytes(uint8_t* out, size_t size) {
    if (in_.size() < size) return false;
    std::memcpy(out, in_.data(), size);
    in_ = in_.subspan(size);
    return true;
  }
  bool GetString(std::string* s, size_t cap) {
    uint32_t n = 0;
    if (!Get(&n) || n > cap || n > in_.size()) return false;
    s->assign(reinterpret_cast<const char*>(in_.data()), n);
    in_ = in_.subspan(n);
    return true;
  }
  bool GetList(std::vector<std::string>* list) {
    uint32_t n = 0;
    // Each entry needs at least its 4-byte length: bound n by what is left.
    if (!Get(&n) || n > kMaxListEntries || n > in_.size() / 4) return false;
    list->resize(n);
    for (auto& s : *list) {
      if (!GetString(&s, kMaxStringLength)) return false;
    }
    return true;
  }
  bool empty() const { return in_.empty(); }

 private:
  std::span<const uint8_t> in_;
};

Status Malformed(const char* what) { return {Code::kInvalidArgument, std::string("malformed ") + what + " frame"}; }

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

namespace {

Type TypeOf(const SpawnRequest&) { return Type::kSpawn; }
Type TypeOf(const Started&) { return Type::kStarted; }
Type TypeOf(const SpawnFailed&) { return Type::kSpawnFailed; }
Type TypeOf(const Exited&) { return Type::kExited; }

Status PutPayload(Writer& w, const SpawnRequest& req) {
  if (req.path.empty() || req.argv.empty()) return Status{Code::kInvalidArgument, "spawn request needs a path and argv[0]"};
  if (req.exec_name.find('/') != std::string::npos || req.exec_name == "." || req.exec_name == "..")
    return Status{Code::kInvalidArgument, "the file name to execute has a '/'"};
  for (const auto* s : {&req.path, &req.cwd, &req.exec_name}) {
    if (HasNul(*s)) return Status{Code::kInvalidArgument, "NUL byte in a path"};
  }
  for (const auto* list : {&req.argv, &req.env}) {
    for (const auto& s : *list) {
      if (HasNul(s)) return Status{Code::kInvalidArgument, "NUL byte in argv or environment"};
    }
  }
  size_t size = kHeaderSize + 73 + kWorkerKeySize + req.exec_name.size() + req.path.size() + req.cwd.size() + req.request.size() + req.client.size() +
                req.limits.size() * 20;
  for (const auto* list : {&req.argv, &req.env, &req.python_preload}) {
    for (const auto& s : *list) size += 4 + s.size();
  }
  w.out().reserve(size);  // one allocation for the frame
  w.PutBytes(req.key.data(), req.key.size());
  Status st;
  if (st = w.PutString(req.path, kMaxPathLength, "script path"); !st.ok()) return st;
  if (st = w.PutString(req.cwd, kMaxPathLength, "working directory"); !st.ok()) return st;
  if (st = w.PutString(req.exec_name, kMaxNameLength, "file name"); !st.ok()) return st;
  if (st = w.PutList(req.argv, "argv"); !st.ok()) return st;
  if (st = w.PutList(req.env, "environment"); !st.ok()) return st;
  if (req.limits.size() > kMaxLimits) return Status{Code::kTooLarge, "too many resource limits"};
  w.Put<uint32_t>(static_cast<uint32_t>(req.limits.size()));
  for (const Limit& l : req.limits) {
    w.Put<int32_t>(l.resource);
    w.Put<uint64_t>(l.soft);
    w.Put<uint64_t>(l.hard);
  }
  w.Put<uint32_t>(req.dir_slot);
  w.Put<uint32_t>(req.dir_cap);
  w.Put<uint32_t>(req.total_cap);
  if (st = w.PutString(req.request, kMaxLabelLength, "request label"); !st.ok()) return st;
  if (st = w.PutString(req.client, kMaxLabelLength, "client label"); !st.ok()) return st;
  w.Put<uint8_t>(req.warm_python ? 1 : 0);
  return w.PutList(req.python_preload, "preloaded modules");
}

Status PutPayload(Writer& w, const Started& started) {
  w.Put<int32_t>(started.pid);
  w.Put<uint8_t>(started.warm ? 1 : 0);
  return Status::Ok();
}

Status PutPayload(Writer& w, const SpawnFailed& failed) {
  w.Put<int32_t>(failed.sys_errno);
  if (Status st = w.PutString(failed.what, kMaxPathLength, "failure text"); !st.ok()) return st;
  w.Put<uint8_t>(failed.busy ? 1 : 0);
  return Status::Ok();
}

Status PutPayload(Writer& w, const Exited& exited) {
  w.Put<int32_t>(exited.wait_status);
  w.Put<int64_t>(exited.wall_us);
  w.Put<int64_t>(exited.user_us);
  w.Put<int64_t>(exited.sys_us);
  w.Put<int64_t>(exited.max_rss_kb);
  return Status::Ok();
}

template <typename M>
StatusOr<std::string> EncodeOne(const M& message) {
  Writer w;
  w.Put<uint32_t>(kMagic);
  w.Put<uint16_t>(kVersion);
  w.Put<uint16_t>(static_cast<uint16_t>(TypeOf(message)));
  w.Put<uint32_t>(0);  // length, patched below
  if (Status st = PutPayload(w, message); !st.ok()) return st;
  std::string& out = w.out();
  size_t payload = out.size() - kHeaderSize;
  if (payload > kMaxPayload) return Status{Code::kTooLarge, "frame larger than the wire limit"};
  auto len = static_cast<uint32_t>(payload);
  std::memcpy(out.data() + 8, &len, sizeof len);
  return std::move(out);
}

}  // namespace

StatusOr<std::string> Encode(const SpawnRequest& message) { return EncodeOne(message); }
StatusOr<std::string> Encode(const Started& message) { return EncodeOne(message); }
StatusOr<std::string> Encode(const SpawnFailed& message) { return EncodeOne(message); }
StatusOr<std::string> Encode(const Exited& message) { return EncodeOne(message); }

StatusOr<std::string> Encode(const Message& message) {
  return std::visit([](const auto& m) { return EncodeOne(m); }, message);
}

bool SameKey(const WorkerKey& a, const WorkerKey& b) {
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

StatusOr<FrameHeader> DecodeHeader(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) return Status{Code::kIncomplete, "frame header incomplete"};
  uint32_t magic;
  uint16_t version, type;
  uint32_t length;
  std::memcpy(&magic, bytes.data(), 4);
  std::memcpy(&version, bytes.data() + 4, 2);
  std::memcpy(&type, bytes.data() + 6, 2);
  std::memcpy(&length, bytes.data() + 8, 4);
  if (magic != kMagic) return Status{Code::kInvalidArgument, "bad frame magic"};
  if (version != kVersion) return Status{Code::kInvalidArgument, "unsupported protocol version " + std::to_string(version)};
  if (type < static_cast<uint16_t>(Type::kSpawn) || type > static_cast<uint16_t>(Type::kExited))
    return Status{Code::kInvalidArgument, "unknown frame type " + std::to_string(type)};
  if (length > kMaxPayload) return Status{Code::kTooLarge, "frame payload over the limit"};
  return FrameHeader{static_cast<Type>(type), length};
}

StatusOr<Message> Decode(std::span<const uint8_t> frame) {
  auto header = DecodeHeader(frame);
  if (!header.ok()) return header.status();
  if (frame.size() != kHeaderSize + header->length)
    return Status{Code::kInvalidArgument, "frame length does not match its header"};
  Reader r(frame.subspan(kHeaderSize));
  switch (header->type) {
    case Type::kSpawn: {
      SpawnRequest req;
      uint32_t nlimits = 0;
      if (!r.GetBytes(req.key.data(), req.key.size()) || !r.GetString(&req.path, kMaxPathLength) ||
          !r.GetString(&req.cwd, kMaxPathLength) || !r.GetString(&req.exec_name, kMaxNameLength) ||
          !r.GetList(&req.argv) || !r.GetList(&req.env) || !r.Get(&nlimits) || nlimits > kMaxLimits)
        return Malformed("spawn");
      req.limits.resize(nlimits);
      for (Limit& l : req.limits) {
        if (!r.Get(&l.resource) || !r.Get(&l.soft) || !r.Get(&l.hard) || l.soft > l.hard) return Malformed("spawn");
      }
      uint8_t warm = 0;
      if (!r.Get(&req.dir_slot) || !r.Get(&req.dir_cap) || !r.Get(&req.total_cap) ||
          !r.GetString(&req.request, kMaxLabelLength) || !r.GetString(&req.client, kMaxLabelLength) ||
          !r.Get(&warm) || warm > 1 || !r.GetList(&req.python_preload) || !r.empty())
        return Malformed("spawn");
      req.warm_python = warm == 1;
      if (req.path.empty() || req.path[0] != '/' || req.argv.empty()) return Malformed("spawn");
      if (HasNul(req.path) || HasNul(req.cwd)) return Malformed("spawn");
      if (req.exec_name.find('/') != std::string::npos || HasNul(req.exec_name) || req.exec_name == "." ||
          req.exec_name == "..")
        return Malformed("spawn");
      for (const auto* list : {&req.argv, &req.env}) {
        for (const auto& s : *list) {
          if (HasNul(s)) return Malformed("spawn");
        }
      }
      for (const auto& e : req.env) {
        if (e.find('=') == std::string::npos || e[0] == '=') return Malformed("spawn");
      }
      return Message{std::move(req)};
    }
    case Type::kStarted: {
      Started m;
      uint8_t warm = 0;
      if (!r.Get(&m.pid) || !r.Get(&warm) || warm > 1 || !r.empty() || m.pid <= 0) return Malformed("started");
      m.warm = warm == 1;
      return Message{m};
    }
    case Type::kSpawnFailed: {
      SpawnFailed m;
      uint8_t busy = 0;
      if (!r.Get(&m.sys_errno) || !r.GetString(&m.what, kMaxPathLength) || !r.Get(&busy) || busy > 1 ||
          !r.empty())
        return Malformed("spawn-failed");
      m.busy = busy == 1;
      return Message{std::move(m)};
    }
    case Type::kExited: {
      Exited m;
      if (!r.Get(&m.wait_status) || !r.Get(&m.wall_us) || !r.Get(&m.user_us) || !r.Get(&m.sys_us) ||
          !r.Get(&m.max_rss_kb) || !r.empty())
        return Malformed("exited");
      return Message{m};
    }
  }
  return Malformed("unknown");
}

}  // namespace cppcgi::wire
