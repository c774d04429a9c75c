// SPDX-License-Identifier: Apache-2.0
#include "glue/server_config.h"

#include <pwd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>

#include <string>

#include "core/log_ids.h"
#include "core/pool_size.h"
#include "core/python_preload.h"
#include "core/script_log.h"
#include "glue/apr_raii.h"
#include "glue/compat.h"
#include "glue/module_state.h"
#include "proc/script_counters.h"

namespace cppcgi {
namespace {

// httpd declares directive callbacks as a K&R-style `const char *(*)()` when
// compiled as C++; the detour through void(*)() is the documented way to say
// the cast is intended (it silences -Wcast-function-type for this one spot).
template <typename Fn>
cmd_func AsCmdFunc(Fn fn) {
  return reinterpret_cast<cmd_func>(reinterpret_cast<void (*)()>(fn));
}

const char* Error(cmd_parms* cmd, const Status& st) { return apr_pstrdup(cmd->pool, st.message().c_str()); }

const char* SetHelpers(cmd_parms* cmd, void* /*dir*/, const char* arg) {
  if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
  auto n = ParseCount(cmd->cmd->name, arg, kMinHelpers, kMaxHelpers);
  if (!n.ok()) return Error(cmd, n.status());
  GetServerConfig(cmd->server)->settings.helpers = *n;
  return nullptr;
}

const char* SetSuexecMode(cmd_parms* cmd, void* /*dir*/, const char* arg) {
  if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
  auto mode = ParseSuexecMode(cmd->cmd->name, arg);
  if (!mode.ok()) return Error(cmd, mode.status());
  GetServerConfig(cmd->server)->settings.suexec_mode = *mode;
  return nullptr;
}

const char* SetIdentityHelpers(cmd_parms* cmd, void* /*dir*/, const char* arg) {
  if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
  auto n = ParseCount(cmd->cmd->name, arg, kMinHelpers, kMaxHelpers);
  if (!n.ok()) return Error(cmd, n.status());
  GetServerConfig(cmd->server)->settings.identity_helpers = *n;
  return nullptr;
}

DirSettings& Dir(void* dir) { return static_cast<DirConfig*>(dir)->settings; }

// httpd's time syntax, read by httpd itself: what mod_cgi and mod_cgid read
// their timeouts with (seconds if no unit), and so every duration here.
std::optional<int64_t> HttpdTimeUs(const char* arg) {
  apr_interval_time_t us = 0;
  if (ap_timeout_parameter_parse(arg, &us, "s") != APR_SUCCESS) return std::nullopt;
  return static_cast<int64_t>(us);
}

const char* SetIdleTimeout(cmd_parms* cmd, void* dir, const char* arg) {
  auto ms = DurationMsInRange(cmd->cmd->name, arg, HttpdTimeUs(arg));
  if (!ms.ok()) return Error(cmd, ms.status());
  Dir(dir).idle_timeout_ms = *ms;
  return nullptr;
}

// CGIScriptTimeout (mod_cgi) and CGIDScriptTimeout (mod_cgid): every value
// they accept, with their meaning (0 or less: the Timeout directive).
const char* SetCompatTimeout(cmd_parms* cmd, void* dir, const char* arg) {
  auto ms = CompatTimeoutMs(cmd->cmd->name, arg, HttpdTimeUs(arg));
  if (!ms.ok()) return Error(cmd, ms.status());
  Dir(dir).idle_timeout_ms = *ms;
  return nullptr;
}

const char* SetPermissionCheck(cmd_parms* cmd, void* dir, const char* arg) {
  auto mode = ParsePermissionMode(cmd->cmd->name, arg);
  if (!mode.ok()) return Error(cmd, mode.status());
  Dir(dir).permissions = *mode;
  return nullptr;
}

const char* AddAllowedInterpreter(cmd_parms* cmd, void* dir, const char* arg) {
  auto path = ParseAbsolutePath(cmd->cmd->name, arg);
  if (!path.ok()) return Error(cmd, path.status());
  auto& list = Dir(dir).allowed_interpreters;
  if (!list) list.emplace();
  list->push_back(*path);
  return nullptr;
}

const char* SetInterpreter(cmd_parms* cmd, void* dir, const char* ext, const char* interpreter) {
  auto e = ParseExtension(cmd->cmd->name, ext);
  if (!e.ok()) return Error(cmd, e.status());
  auto path = ParseAbsolutePath(cmd->cmd->name, interpreter);
  if (!path.ok()) return Error(cmd, path.status());
  Dir(dir).interpreters[*e] = *path;
  return nullptr;
}

const char* SetScriptOwner(cmd_parms* cmd, void* dir, const char* arg) {
  std::string value(arg);
  if (value.size() > 1 && value[0] == '#') {
    auto uid = ParseCount(cmd->cmd->name, value.substr(1), 0, 2147483647);
    if (!uid.ok()) return apr_psprintf(cmd->pool, "%s: '%s' is not accepted; expected a user name or #uid",
                                       cmd->cmd->name, arg);
    Dir(dir).script_owner = static_cast<uint32_t>(*uid);
    return nullptr;
  }
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (getpwnam_r(arg, &pw, buf, sizeof buf, &found) != 0 || found == nullptr)
    return apr_psprintf(cmd->pool, "%s: '%s' is not a known user; expected a user name or #uid", cmd->cmd->name, arg);
  Dir(dir).script_owner = static_cast<uint32_t>(found->pw_uid);
  return nullptr;
}

const char* SetMaxScripts(cmd_parms* cmd, void* dir, const char* arg) {
  auto n = ParseCount(cmd->cmd->name, arg, 1, 100000);
  if (!n.ok()) return Error(cmd, n.status());
  if (State().next_dir_slot >= kMaxDirSlots)
    return apr_psprintf(cmd->pool, "%s: more than %u sections set it; use fewer", cmd->cmd->name, kMaxDirSlots - 1);
  Dir(dir).max_scripts = static_cast<uint32_t>(*n);
  Dir(dir).max_scripts_slot = State().next_dir_slot++;
  return nullptr;
}

const char* SetMaxScriptsTotal(cmd_parms* cmd, void*, const char* arg) {
  if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
  auto n = ParseCount(cmd->cmd->name, arg, 1, 1000000);
  if (!n.ok()) return Error(cmd, n.status());
  GetServerConfig(cmd->server)->settings.max_scripts_total = *n;
  return nullptr;
}

const char* SetMaxRunTime(cmd_parms* cmd, void* dir, const char* arg) {
  auto ms = DurationMsInRange(cmd->cmd->name, arg, HttpdTimeUs(arg));
  if (!ms.ok()) return Error(cmd, ms.status());
  Dir(dir).max_run_time_ms = *ms;
  return nullptr;
}

const char* SetRequestBody(cmd_parms* cmd, void* dir, const char* arg) {
  std::string v(arg);
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "spool") {
    Dir(dir).spool_unknown_length = true;
  } else if (v == "stream") {
    Dir(dir).spool_unknown_length = false;
  } else {
    return apr_psprintf(cmd->pool, "%s: '%s' is not accepted; expected spool or stream", cmd->cmd->name, arg);
  }
  return nullptr;
}

const char* SetErrorPage(cmd_parms*, void* dir, int on) {
  Dir(dir).error_page = on != 0;
  return nullptr;
}

const char* SetXSendFile(cmd_parms*, void* dir, int on) {
  Dir(dir).xsendfile = on != 0;
  return nullptr;
}

const char* AddXSendFilePath(cmd_parms* cmd, void* dir, const char* arg) {
  auto path = ParseAbsolutePath(cmd->cmd->name, arg);
  if (!path.ok()) return Error(cmd, path.status());
  auto& list = Dir(dir).xsendfile_paths;
  if (std::find(list.begin(), list.end(), *path) == list.end()) list.push_back(*path);
  return nullptr;
}

// CppCgiPythonPreload On|Off [module ...]
const char* SetPythonPreload(cmd_parms* cmd, void* dir, int argc, char* const argv[]) {
  std::string v = argc > 0 ? argv[0] : "";
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v != "on" && v != "off") {
    return apr_psprintf(cmd->pool, "%s: '%s' is not accepted; expected On or Off, then the names of modules to "
                        "import in the warm process (On only)", cmd->cmd->name, argc > 0 ? argv[0] : "");
  }
  if (v == "off" && argc > 1) {
    return apr_psprintf(cmd->pool, "%s: Off takes no module names ('%s')", cmd->cmd->name, argv[1]);
  }
  if (static_cast<size_t>(argc - 1) > kMaxPreloadModules) {
    return apr_psprintf(cmd->pool, "%s: at most %zu module names are accepted", cmd->cmd->name, kMaxPreloadModules);
  }
  std::vector<std::string> modules;
  for (int i = 1; i < argc; ++i) {
    auto name = ParsePythonModuleName(cmd->cmd->name, argv[i]);
    if (!name.ok()) return Error(cmd, name.status());
    if (std::find(modules.begin(), modules.end(), *name) == modules.end()) modules.push_back(*name);
  }
  Dir(dir).python_preload = v == "on";
  Dir(dir).python_preload_modules = std::move(modules);
  return nullptr;
}

const char* SetStderrLimit(cmd_parms* cmd, void* dir, const char* arg) {
  auto n = ParseCount(cmd->cmd->name, arg, 0, 1 << 30);
  if (!n.ok()) {
    return apr_psprintf(cmd->pool, "%s: '%s' is not accepted; expected a number of bytes from 0 (no limit) to %d",
                        cmd->cmd->name, arg, 1 << 30);
  }
  Dir(dir).stderr_limit = *n;
  return nullptr;
}

// mod_cgi's ScriptLog (server config and virtual host, as there): relative
// paths are under ServerRoot. As there, only what ap_server_root_relative
// refuses is an error.
const char* SetScriptLog(cmd_parms* cmd, void*, const char* arg) {
  const char* path = ap_server_root_relative(cmd->pool, arg);
  if (path == nullptr)
    return apr_psprintf(cmd->pool, "%s: '%s' is not a valid file path; expected a file name, relative to ServerRoot "
                        "or absolute", cmd->cmd->name, arg);
  GetServerConfig(cmd->server)->settings.script_log = path;
  return nullptr;
}

// ScriptLogLength and ScriptLogBuffer are read as mod_cgi and mod_cgid read
// them (atol, atoi: the leading digits, 0 if none), so that every value they
// accept is accepted; one that is not plainly a number within range is
// said at startup (CPPCGI0202).
const char* SetScriptLogLength(cmd_parms* cmd, void*, const char* arg) {
  CompatNumber n = ReadCompatNumber(cmd->cmd->name, arg, std::atol(arg), INT64_MIN, INT64_MAX);
  if (n.notice) NoteCompatValue(std::move(*n.notice));
  GetServerConfig(cmd->server)->settings.script_log_length = n.value;
  return nullptr;
}

const char* SetScriptLogBuffer(cmd_parms* cmd, void*, const char* arg) {
  CompatNumber n = ReadCompatNumber(cmd->cmd->name, arg, std::atoi(arg), 0, kMaxScriptLogBuffer);
  if (n.notice) NoteCompatValue(std::move(*n.notice));
  GetServerConfig(cmd->server)->settings.script_log_buffer = static_cast<int>(n.value);
  return nullptr;
}

// mod_cgid's ScriptSock: accepted so that existing configs keep working,
// and said once at startup to have no effect.
const char* AcceptIgnored(cmd_parms* cmd, void* /*dir*/, const char* /*arg*/) {
  if (const char* err = ap_check_cmd_context(cmd, GLOBAL_ONLY)) return err;
  NoteIgnoredDirective(cmd->cmd->name);
  return nullptr;
}

}  // namespace

// Directive table. Server-wide ones are refused inside <VirtualHost>/<Directory>.
// In .htaccess (AllowOverride Options) only what cannot weaken the server's
// policy: the error page, body spooling, interpreters by extension (still
// subject to CppCgiAllowInterpreter and every check). Permission checks,
// allow-lists, owners, timeouts and caps are for the server's configuration.
const command_rec kDirectives[] = {
    AP_INIT_TAKE1("CppCgiHelpers", AsCmdFunc(SetHelpers), nullptr, RSRC_CONF,
                  "Number of pre-forked helper processes that start scripts (1-64; default: one per CPU, at least 2)"),
    AP_INIT_TAKE1("CppCgiSuexec", AsCmdFunc(SetSuexecMode), nullptr, RSRC_CONF,
                  "helpers or wrapper: how scripts run as a SuexecUserGroup identity (default: wrapper)"),
    AP_INIT_TAKE1("CppCgiSuexecHelpers", AsCmdFunc(SetIdentityHelpers), nullptr, RSRC_CONF,
                  "Helper processes per SuexecUserGroup identity under CppCgiSuexec helpers (1-64; default: 2)"),
    AP_INIT_TAKE1("CppCgiIdleTimeout", AsCmdFunc(SetIdleTimeout), nullptr, RSRC_CONF | ACCESS_CONF,
                  "Longest silence from a script before it is ended (default: the Timeout directive)"),
    AP_INIT_TAKE1("CGIScriptTimeout", AsCmdFunc(SetCompatTimeout), nullptr, RSRC_CONF | ACCESS_CONF,
                  "mod_cgi spelling of CppCgiIdleTimeout"),
    AP_INIT_TAKE1("CGIDScriptTimeout", AsCmdFunc(SetCompatTimeout), nullptr, RSRC_CONF | ACCESS_CONF,
                  "mod_cgid spelling of CppCgiIdleTimeout"),
    AP_INIT_TAKE1("CppCgiPermissionCheck", AsCmdFunc(SetPermissionCheck), nullptr, RSRC_CONF | ACCESS_CONF,
                  "On (default): refuse set-id scripts and scripts or directories others can write, run what only "
                  "the file's group can write with a warning; Strict: refuse that too; Warn: refuse none, warn "
                  "about all; Off: skip these checks"),
    AP_INIT_ITERATE("CppCgiAllowInterpreter", AsCmdFunc(AddAllowedInterpreter), nullptr, RSRC_CONF | ACCESS_CONF,
                    "Absolute paths of the only interpreters #! lines may name here (default: any)"),
    AP_INIT_TAKE2("CppCgiInterpreter", AsCmdFunc(SetInterpreter), nullptr, RSRC_CONF | ACCESS_CONF | OR_OPTIONS,
                  "An extension and the interpreter that runs such files (no #! or exec bit needed), "
                  "e.g. CppCgiInterpreter .py /usr/bin/python3"),
    AP_INIT_FLAG("CppCgiXSendFile", AsCmdFunc(SetXSendFile), nullptr, RSRC_CONF | ACCESS_CONF,
                 "On: a script's X-Sendfile (or X-LIGHTTPD-send-file) header names a file under CppCgiXSendFilePath "
                 "that the server sends instead of the script's body (default: Off)"),
    AP_INIT_ITERATE("CppCgiXSendFilePath", AsCmdFunc(AddXSendFilePath), nullptr, RSRC_CONF | ACCESS_CONF,
                    "Absolute paths of the directories whose files X-Sendfile may send (a section adds to its "
                    "parent's; default: none)"),
    AP_INIT_TAKE_ARGV("CppCgiPythonPreload", AsCmdFunc(SetPythonPreload), nullptr, RSRC_CONF | ACCESS_CONF,
                      "On [module ...]: run python3 scripts from a warm interpreter that forks per request, "
                      "having imported these modules (default: Off)"),
    AP_INIT_TAKE1("CppCgiScriptOwner", AsCmdFunc(SetScriptOwner), nullptr, RSRC_CONF | ACCESS_CONF,
                  "Only run scripts owned by this user (name or #uid)"),
    AP_INIT_TAKE1("CppCgiMaxRunTime", AsCmdFunc(SetMaxRunTime), nullptr, RSRC_CONF | ACCESS_CONF,
                  "Longest a script may run in all, output or not (default: no limit)"),
    AP_INIT_TAKE1("CppCgiMaxScripts", AsCmdFunc(SetMaxScripts), nullptr, RSRC_CONF | ACCESS_CONF,
                  "Most scripts of this section that may run at once; more get 503 (1-100000; default: no cap)"),
    AP_INIT_TAKE1("CppCgiMaxScriptsTotal", AsCmdFunc(SetMaxScriptsTotal), nullptr, RSRC_CONF,
                  "Most scripts that may run at once server-wide; more get 503 (1-1000000; default: no cap)"),
    AP_INIT_TAKE1("CppCgiRequestBody", AsCmdFunc(SetRequestBody), nullptr, RSRC_CONF | ACCESS_CONF | OR_OPTIONS,
                  "spool (default): read bodies of unknown length (chunked) completely first, so that "
                  "CONTENT_LENGTH is set; stream: pass them on as they arrive, without CONTENT_LENGTH"),
    AP_INIT_FLAG("CppCgiErrorPage", AsCmdFunc(SetErrorPage), nullptr, RSRC_CONF | ACCESS_CONF | OR_OPTIONS,
                 "On: a failing script gets a developer page (reason, exit status, stderr tail, variables with "
                 "secrets masked) instead of a bare error. Default Off; never in production"),
    AP_INIT_TAKE1("CppCgiStderrLimit", AsCmdFunc(SetStderrLimit), nullptr, RSRC_CONF | ACCESS_CONF,
                  "Bytes of a script's stderr logged per request (default 1048576; 0: no limit); the rest is "
                  "read and dropped"),
    AP_INIT_TAKE1("ScriptSock", AsCmdFunc(AcceptIgnored), nullptr, RSRC_CONF,
                  "mod_cgid's socket path: accepted and ignored (mod_cppcgi places its socket in DefaultRuntimeDir)"),
    AP_INIT_TAKE1("ScriptLog", AsCmdFunc(SetScriptLog), nullptr, RSRC_CONF,
                  "mod_cgi's debug log of failed scripts: a file (relative to ServerRoot) writable by User"),
    AP_INIT_TAKE1("ScriptLogLength", AsCmdFunc(SetScriptLogLength), nullptr, RSRC_CONF,
                  "No more ScriptLog entries once the file is larger than this (bytes; default 10385760)"),
    AP_INIT_TAKE1("ScriptLogBuffer", AsCmdFunc(SetScriptLogBuffer), nullptr, RSRC_CONF,
                  "Bytes of a request body written to ScriptLog (at most 16777216; default 1024)"),
    {nullptr, {nullptr}, nullptr, 0, RAW_ARGS, nullptr},
};

void ResetDirSlots() { State().next_dir_slot = 1; }

void* CreateServerConfig(apr_pool_t* p, server_rec* s) {
  // Runs for the main server when LoadModule is read: the moment to make
  // <IfModule mod_cgi.c> / <IfModule mod_cgid.c> true for the rest of the config.
  if (s->is_virtual == 0) RegisterCompatNames(p);
  return PoolOwned<ServerConfig>(p);
}

void* MergeServerConfig(apr_pool_t* p, void* base, void* add) {
  auto* merged = PoolOwned<ServerConfig>(p);
  merged->settings = Merge(static_cast<ServerConfig*>(base)->settings, static_cast<ServerConfig*>(add)->settings);
  return merged;
}

void* CreateDirConfig(apr_pool_t* p, char* /*dir*/) { return PoolOwned<DirConfig>(p); }

void* MergeDirConfig(apr_pool_t* p, void* base, void* add) {
  auto* merged = PoolOwned<DirConfig>(p);
  merged->settings = Merge(static_cast<DirConfig*>(base)->settings, static_cast<DirConfig*>(add)->settings);
  return merged;
}

EffectiveSettings RequestSettings(request_rec* r) {
  const DirConfig* dc = GetDirConfig(r);
  return Resolve(dc != nullptr ? dc->settings : DirSettings{}, GetServerConfig(r->server)->settings,
                 apr_time_as_msec(r->server->timeout));
}

}  // namespace cppcgi
