// SPDX-License-Identifier: Apache-2.0
#include "doctor/script_report.h"

#include <unistd.h>

#include "core/exec_decision.h"

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
  // on the same facts, gathered as the server's user would gather them.
  ScriptVerdict v;
  GatheredScript gathered = GatherScriptFacts(req);
  auto decision = DecideExec(req, gathered.facts);
  const auto* refusal = std::get_if<Refusal>(&decision);
  if (refusal == nullptr && root_sees_shebang && ::access(req.path.c_str(), R_OK) != 0) {
    AddProblem(Refusal{CheckId::kNotReadable, 500,
                       "'" + req.path + "' is a #! script that uid " + std::to_string(req.who.uid) +
                           " cannot read, so its interpreter cannot read it either",
                       "chmod a+r " + req.path},
               &v);
    v.text += NotRun(v.problems);
    return v;
  }
  if (refusal == nullptr) {
    const ExecChoice& plan = std::get<ExecChoice>(decision);
    AddWarnings(plan.warnings, &v);
    if (req.suexec && req.suexec_limits) {
      v.text += "  through suEXEC (under " + req.suexec_limits->root + ", as uid " + std::to_string(req.suexec->uid) +
                ", gid " + std::to_string(req.suexec->gid) + ")\n";
    } else if (req.suexec) {
      v.text += "  through suEXEC (its wrapper did not tell its document root and lowest ids: it checks them when "
                "it runs)\n";
    }
    v.text += "  would run: ";
    for (const auto& a : plan.argv) v.text += a + " ";
    v.text += v.warnings == 0 ? "\n  OK\n" : "\n  OK, with " + std::to_string(v.warnings) + " warning" +
                                                 (v.warnings == 1 ? "" : "s") + "\n";
    return v;
  }
  // Through suEXEC, the wrapper's checks in its order: the first that fails is the answer.
  std::vector<Warning> warnings;
  std::vector<Refusal> all;
  if (!req.suexec) all = ListProblems(req, gathered.facts, &warnings);
  if (all.empty()) all.push_back(*refusal);  // e.g. it could not even be opened: what the module says
  for (const Refusal& r : all) AddProblem(r, &v);
  AddWarnings(warnings, &v);
  v.text += NotRun(v.problems);
  return v;
}

}  // namespace cppcgi
