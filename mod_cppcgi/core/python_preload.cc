// SPDX-License-Identifier: Apache-2.0
#include "core/python_preload.h"

#include <algorithm>
#include <charconv>

namespace cppcgi {
namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

bool IsSystemPython(std::string_view path) {
  for (std::string_view dir : {"/usr/bin/", "/usr/local/bin/"}) {
    if (!path.starts_with(dir)) continue;
    std::string_view name = path.substr(dir.size());
    if (name == "python3") return true;
    if (!name.starts_with("python3.")) return false;
    std::string_view minor = name.substr(8);
    return !minor.empty() && minor.size() <= 3 &&
           std::all_of(minor.begin(), minor.end(), [](char c) { return c >= '0' && c <= '9'; });
  }
  return false;
}

// Flags that change nothing of what the warm process does before it runs a
// script but what the script process inherits from it: -u (unbuffered
// stdio), -B (no .pyc written), -s (no user site), -E (no PYTHON*), -I
// (isolated), -S (no site), -O (asserts off).
bool IsWarmableArgument(std::string_view arg) {
  if (arg.empty()) return true;
  if (arg.size() < 2 || arg.size() > 8 || arg[0] != '-') return false;
  return std::all_of(arg.begin() + 1, arg.end(),
                     [](char c) { return std::string_view("uBsEISO").find(c) != std::string_view::npos; });
}

void PutWord(std::string* out, std::string_view word) {
  out->append(word);
  out->push_back('\0');
}

}  // namespace

StatusOr<std::string> ParsePythonModuleName(std::string_view directive, std::string_view name) {
  std::string_view rest = name;
  bool ok = !name.empty() && name.size() <= 200;
  while (ok) {
    size_t dot = rest.find('.');
    ok = IsIdentifier(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (!ok) {
    return Status(Code::kInvalidArgument, std::string(directive) + ": '" + std::string(name) +
                                              "' is not a Python module name (dotted identifiers, e.g. json or "
                                              "email.parser)");
  }
  return std::string(name);
}

std::optional<WarmPythonCommand> WarmPythonFor(const std::vector<std::string>& argv, std::string_view path) {
  if (argv.size() < 2 || !IsSystemPython(argv[0])) return std::nullopt;
  WarmPythonCommand out{argv[0], {}};
  if (argv[1] == path) return out;
  if (argv.size() < 3 || argv[2] != path || !IsWarmableArgument(argv[1])) return std::nullopt;
  out.flags = argv[1];
  return out;
}

std::vector<std::string> StartupEnvironment(const std::vector<std::string>& env) {
  std::vector<std::string> out;
  for (const std::string& e : env) {
    std::string_view name = std::string_view(e).substr(0, e.find('='));
    if (name.starts_with("PYTHON") || name.starts_with("LC_") || name == "LANG" || name == "LANGUAGE" ||
        name == "HOME" || name == "TZ") {
      out.push_back(e);
    }
  }
  return out;
}

std::string WarmProcessKey(uint64_t interpreter_dev, uint64_t interpreter_ino, const std::string& flags,
                           const std::vector<std::string>& startup_env, const std::vector<std::string>& modules) {
  std::string key = std::to_string(interpreter_dev) + ":" + std::to_string(interpreter_ino);
  PutWord(&key, "");
  PutWord(&key, flags);
  for (const auto* list : {&startup_env, &modules}) {
    PutWord(&key, std::to_string(list->size()));
    for (const std::string& s : *list) PutWord(&key, s);
  }
  return key;
}

StatusOr<std::string> EncodeWarmRequest(const wire::SpawnRequest& request) {
  std::string out;
  PutWord(&out, "cppcgi-warm-1");
  PutWord(&out, request.cwd);
  PutWord(&out, request.path);
  for (const auto* list : {&request.argv, &request.env}) {
    PutWord(&out, std::to_string(list->size()));
    for (const std::string& s : *list) PutWord(&out, s);
  }
  PutWord(&out, std::to_string(request.limits.size()));
  for (const wire::Limit& l : request.limits) {
    PutWord(&out, std::to_string(l.resource));
    PutWord(&out, std::to_string(l.soft));
    PutWord(&out, std::to_string(l.hard));
  }
  out.pop_back();  // words are separated, not ended, by NUL
  if (out.size() > kMaxWarmMessage) return Status(Code::kTooLarge, "the request is too large for a warm start");
  return out;
}

StatusOr<WarmReply> ParseWarmReply(std::string_view reply) {
  auto number = [](std::string_view s, int* out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && end == s.data() + s.size();
  };
  WarmReply out;
  if (reply.starts_with("ok ")) {
    if (number(reply.substr(3), &out.pid) && out.pid > 0) return out;
  } else if (reply.starts_with("error ")) {
    std::string_view rest = reply.substr(6);
    size_t space = rest.find(' ');
    if (number(rest.substr(0, space), &out.sys_errno)) {
      out.what = space == std::string_view::npos ? "" : std::string(rest.substr(space + 1, 300));
      return out;
    }
  }
  return Status(Code::kInvalidArgument, "malformed answer from the warm Python process");
}

}  // namespace cppcgi
