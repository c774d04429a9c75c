#include "doctor/script_report.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/shebang.h"
#include "core/unique_fd.h"
#include "proc/worker/file_probe.h"

namespace cppcgi {
namespace {

void AddProblem(const Refusal& r, ScriptVerdict* v) {
  ++v->problems;
  v->text += "  problem " + std::to_string(v->problems) + " [" + LogId(r.id) + ", HTTP " +
             std::to_string(r.http_status) + "]: " + r.problem + "\n    fix: " + r.fix + "\n";
}

void AddWarnings(const std::vector<Warning>& warnings, ScriptVerdict* v) {
  for (const Warning& w : warnings) {
    ++v->warnings;
    v->text += "  warning [" + LogId(w.what.id) + "]: " + w.what.problem + "\n    fix: " + w.what.fix + "\n";
  }
}

std::string NotRun(int problems) {
  return "  would NOT run: " + std::to_string(problems) + " problem" + (problems == 1 ? "" : "s") + "\n";
}

}  // namespace

ScriptVerdict CheckScriptAsServer(const ExecRequest& req, bool root_sees_shebang) {
  // The module stops at the first refusal; here every independent check runs,
  // on files opened as the server's user would open them.
  ScriptVerdict v;
  if (auto blocked = FindUnsearchableDirectory(req.path, req.who)) AddProblem(*blocked, &v);
  ExecDecision decision = PrepareExec(req);
  const auto* refusal = std::get_if<Refusal>(&decision);
  if (refusal == nullptr && v.problems == 0 && root_sees_shebang && ::access(req.path.c_str(), R_OK) != 0) {
    AddProblem(Refusal{CheckId::kNotReadable, 500,
                       "'" + req.path + "' is a #! script that uid " + std::to_string(req.who.uid) +
                           " cannot read, so its interpreter cannot read it either",
                       "chmod a+r " + req.path},
               &v);
    v.text += NotRun(v.problems);
    return v;
  }
  if (req.suexec && refusal != nullptr) {
    // The wrapper's checks, in its order: the first that fails is the answer.
    AddProblem(*refusal, &v);
    v.text += NotRun(v.problems);
    return v;
  }
  if (refusal == nullptr && v.problems == 0) {
    const ExecPlan& plan = std::get<ExecPlan>(decision);
    AddWarnings(plan.warnings, &v);
    if (req.suexec) v.text += "  through suEXEC (its own document root and minimum uid are checked when it runs)\n";
    v.text += "  would run: ";
    for (const auto& a : plan.argv) v.text += a + " ";
    v.text += v.warnings == 0 ? "\n  OK\n" : "\n  OK, with " + std::to_string(v.warnings) + " warning" +
                                                 (v.warnings == 1 ? "" : "s") + "\n";
    return v;
  }
  struct stat st, dst;
  std::string dir = req.path.substr(0, req.path.rfind('/'));
  UniqueFd fd(::open(req.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (req.follow_symlinks ? 0 : O_NOFOLLOW)));
  if (fd && ::fstat(fd.get(), &st) == 0 && ::stat(dir.empty() ? "/" : dir.c_str(), &dst) == 0) {
    FileFacts script = FactsFromStat(st);
    AddMountFacts(fd.get(), req.path, &script);
    std::vector<Warning> warnings;
    for (const Refusal& r :
         CheckScriptFileAll(req.path, script, FactsFromStat(dst), req.who, req.policy, !req.interpreter, &warnings))
      AddProblem(r, &v);
    char head[kShebangBufferSize];
    ssize_t n = S_ISREG(st.st_mode) ? ::pread(fd.get(), head, sizeof head, 0) : -1;
    std::string interpreter = req.interpreter.value_or("");
    if (n >= 0 && !req.interpreter) {
      Shebang s = ParseShebang(std::string_view(head, static_cast<size_t>(n)));
      if (auto r = CheckShebang(req.path, s)) AddProblem(*r, &v);
      if (s.kind == FileKind::kShebang) interpreter = s.interpreter;
    }
    if (!interpreter.empty()) {
      UniqueFd ifd(::open(interpreter.c_str(), O_PATH | O_CLOEXEC));
      int err = ifd ? 0 : errno;
      struct stat ist;
      bool ok = ifd && ::fstat(ifd.get(), &ist) == 0;
      FileFacts f = ok ? FactsFromStat(ist) : FileFacts{};
      if (auto r = CheckInterpreter(req.path, interpreter, ok ? &f : nullptr, err, req.who, req.policy, &warnings))
        AddProblem(*r, &v);
    }
    AddWarnings(warnings, &v);
  } else if (refusal != nullptr && !(v.problems > 0 && refusal->id == CheckId::kOpenFailed)) {
    AddProblem(*refusal, &v);  // could not even open it: what the module says
  }
  if (v.problems == 0 && refusal != nullptr) AddProblem(*refusal, &v);
  v.text += NotRun(v.problems);
  return v;
}

}  // namespace cppcgi
