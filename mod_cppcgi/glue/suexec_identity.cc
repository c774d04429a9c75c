// SPDX-License-Identifier: Apache-2.0
#include "glue/suexec_identity.h"

#include <unistd.h>

#include "core/log_ids.h"
#include "glue/module_state.h"
#include "proc/suexec_wrapper.h"

namespace cppcgi {
namespace {

constexpr int kAskTimeoutMs = 2000;

}  // namespace

std::optional<SuexecTarget> SuexecTargetFor(request_rec* r) {
  // As mod_cgi (ap_os_create_privileged_process): with the wrapper installed,
  // an identity from SuexecUserGroup or a ~user UserDir means suEXEC.
  if (!ap_unixd_config.suexec_enabled) return std::nullopt;
  const ap_unix_identity_t* id = ap_run_get_suexec_identity(r);
  if (id == nullptr) return std::nullopt;
  return SuexecTarget{static_cast<uint32_t>(id->uid), static_cast<uint32_t>(id->gid), id->userdir != 0};
}

void ReadSuexecSettings(server_rec* s) {
  State().suexec_settings.reset();
  if (!ap_unixd_config.suexec_enabled || geteuid() != 0) return;
  auto said = AskSuexecSettings(SUEXEC_BIN, kAskTimeoutMs);
  std::optional<SuexecSettings> settings = said.ok() ? ParseSuexecSettings(*said) : std::nullopt;
  if (!settings) {
    // The wrapper then holds scripts to its settings alone (CPPCGI0024 explains its refusals).
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
                 CPPCGI_SUEXEC_SETTINGS "could not read the suEXEC wrapper's settings (%s): its document root "
                 "and lowest ids are checked by the wrapper alone",
                 said.ok() ? "no AP_DOC_ROOT or AP_UID_MIN in its answer" : said.status().ToString().c_str());
    return;
  }
  ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
               CPPCGI_SUEXEC_SETTINGS "suEXEC wrapper %s: document root %s, lowest uid %u and gid %u, UserDir "
               "suffix %s",
               SUEXEC_BIN, settings->doc_root.c_str(), settings->min_uid, settings->min_gid,
               settings->userdir_suffix.c_str());
  State().suexec_settings = std::move(*settings);
}

std::optional<SuexecLimits> WrapperLimitsFor(const SuexecTarget& target) {
  if (!State().suexec_settings) return std::nullopt;
  return SuexecLimitsFor(*State().suexec_settings, target);
}

}  // namespace cppcgi
