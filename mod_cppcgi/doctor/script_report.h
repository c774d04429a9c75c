// SPDX-License-Identifier: Apache-2.0
// cppcgi-doctor's verdict on one script: every check the module would run,
// on files opened as the server's user (the caller has become that user),
// written as a report for a person.
#pragma once

#include <string>

#include "proc/worker/exec_plan.h"

namespace cppcgi {

struct ScriptVerdict {
  int problems = 0;  // 0: it would run
  int warnings = 0;  // permission problems it would run with (CPPCGI0327)
  std::string text;  // the report: each problem and warning with its fix, or what would run
};

// `root_sees_shebang`: the doctor, as root, saw a #! line in the script
// before it became the server's user (who may not be able to read it).
ScriptVerdict CheckScriptAsServer(const ExecRequest& req, bool root_sees_shebang);

}  // namespace cppcgi
