// SPDX-License-Identifier: Apache-2.0
// Who a request's scripts run as under suEXEC (SuexecUserGroup, a ~user
// UserDir), and what the wrapper will hold them to: its settings are asked of
// it once per start or restart, by httpd's parent (which runs as root, whom
// the wrapper answers), and inherited by the workers.
#pragma once

#include <optional>

#include "core/suexec.h"
#include "core/suexec_policy.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

// The identity suEXEC runs this request's scripts as, if the wrapper is
// installed and one applies.
std::optional<SuexecTarget> SuexecTargetFor(request_rec* r);

// post_config: asks the wrapper for its settings (when suEXEC is enabled).
void ReadSuexecSettings(server_rec* s);

// The wrapper's limits for `target`, when its settings were read.
std::optional<SuexecLimits> WrapperLimitsFor(const SuexecTarget& target);

}  // namespace cppcgi
