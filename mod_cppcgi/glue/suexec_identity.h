// SPDX-License-Identifier: Apache-2.0
// Who a request's scripts run as under suEXEC (SuexecUserGroup, a ~user
// UserDir), and what the wrapper will hold them to: its settings are asked of
// it once per start or restart, by httpd's parent (which runs as root, whom
// the wrapper answers), and inherited by the workers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/suexec.h"
#include "core/suexec_policy.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

// The identity suEXEC runs this request's scripts as, if the wrapper is
// installed and one applies.
std::optional<SuexecTarget> SuexecTargetFor(request_rec* r);

// post_config: asks the wrapper for its settings (when suEXEC is enabled).
void ReadSuexecSettings(server_rec* s);

// CppCgiSuexec helpers is set (in the main server's configuration).
bool IdentityHelpersConfigured(const server_rec* s);

// An identity the configuration names with SuexecUserGroup.
struct IdentityName {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string user;  // its name, "" if it has none
};

// post_config: every SuexecUserGroup identity of the main server and the
// virtual hosts, and of their <Directory> and <Location> sections, once
// each; not root's (never run), nor one below the wrapper's lowest ids.
std::vector<IdentityName> ConfiguredIdentities(server_rec* s, apr_pool_t* ptemp);

// The socket of the identity helpers for `target` (a SuexecUserGroup
// identity, not ~user); empty when there are none.
const std::string& IdentitySocketFor(const SuexecTarget& target);

// The PATH the wrapper gives scripts (AP_SAFE_PATH): its own, when read.
std::string SuexecSafePath();

// The wrapper's limits for `target`, when its settings were read.
std::optional<SuexecLimits> WrapperLimitsFor(const SuexecTarget& target);

}  // namespace cppcgi
