// SPDX-License-Identifier: Apache-2.0
#include "glue/suexec_identity.h"

#include <pwd.h>
#include <unistd.h>

#include <set>
#include <utility>

#include "core/log_ids.h"
#include "glue/module_state.h"
#include "glue/server_config.h"
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
  ResolveDocRoot(&*settings);
  ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s,
               CPPCGI_SUEXEC_SETTINGS "suEXEC wrapper %s: document root %s, lowest uid %u and gid %u, UserDir "
               "suffix %s",
               SUEXEC_BIN, settings->doc_root.c_str(), settings->min_uid, settings->min_gid,
               settings->userdir_suffix.c_str());
  State().suexec_settings = std::move(*settings);
}

bool IdentityHelpersConfigured(const server_rec* s) {
  const auto& mode = GetServerConfig(const_cast<server_rec*>(s))->settings.suexec_mode;
  return mode.value_or(SuexecMode::kWrapper) == SuexecMode::kHelpers;
}

std::vector<IdentityName> ConfiguredIdentities(server_rec* s, apr_pool_t* ptemp) {
  std::set<std::pair<uint32_t, uint32_t>> seen;
  std::vector<IdentityName> out;
  // mod_suexec answers from a request's per-directory configuration alone:
  // asked with each section's (merged), it names the identity that section
  // sets.
  auto ask = [&](server_rec* v, ap_conf_vector_t* config) {
    if (config == nullptr) return;
    request_rec fake{};
    fake.pool = ptemp;
    fake.server = v;
    fake.per_dir_config = config;
    fake.notes = apr_table_make(ptemp, 1);
    fake.subprocess_env = apr_table_make(ptemp, 1);
    fake.headers_in = apr_table_make(ptemp, 1);
    const ap_unix_identity_t* id = ap_run_get_suexec_identity(&fake);
    if (id == nullptr || id->userdir != 0 || id->uid == 0 || id->gid == 0) return;
    uint32_t uid = static_cast<uint32_t>(id->uid), gid = static_cast<uint32_t>(id->gid);
    if (State().suexec_settings &&
        (uid < State().suexec_settings->min_uid || gid < State().suexec_settings->min_gid))
      return;  // refused per request (CPPCGI0328)
    if (!seen.insert({uid, gid}).second) return;
    IdentityName name{uid, gid, {}};
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (getpwuid_r(static_cast<uid_t>(uid), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr)
      name.user = pw.pw_name;
    out.push_back(std::move(name));
  };
  for (server_rec* v = s; v != nullptr; v = v->next) {
    ask(v, v->lookup_defaults);
    auto* core = static_cast<core_server_config*>(ap_get_core_module_config(v->module_config));
    for (apr_array_header_t* sections : {core->sec_dir, core->sec_url}) {
      if (sections == nullptr) continue;
      auto** elts = reinterpret_cast<ap_conf_vector_t**>(sections->elts);
      // A section holds only its own directives' configurations: merged
      // onto its server's, as a request inside it would be.
      for (int i = 0; i < sections->nelts; ++i) ask(v, ap_merge_per_dir_configs(ptemp, v->lookup_defaults, elts[i]));
    }
  }
  return out;
}

const std::string& IdentitySocketFor(const SuexecTarget& target) {
  static const std::string kNone;
  if (target.userdir) return kNone;
  auto it = State().identity_sockets.find({target.uid, target.gid});
  return it == State().identity_sockets.end() ? kNone : it->second;
}

std::string SuexecSafePath() {
  return State().suexec_settings ? State().suexec_settings->safe_path : SuexecSettings{}.safe_path;
}

std::optional<SuexecLimits> WrapperLimitsFor(const SuexecTarget& target) {
  if (!State().suexec_settings) return std::nullopt;
  return SuexecLimitsFor(*State().suexec_settings, target);
}

}  // namespace cppcgi
