// SPDX-License-Identifier: Apache-2.0
#include "glue/handler.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error_page.h"
#include "core/log_ids.h"
#include "core/paths.h"
#include "core/python_preload.h"
#include "core/wire.h"
#include "glue/body_spool.h"
#include "glue/failure_report.h"
#include "glue/pool_supervisor.h"
#include "glue/script_io.h"
#include "glue/script_log.h"
#include "glue/server_config.h"
#include "glue/suexec_identity.h"
#include "proc/worker/exec_plan.h"
#include "proc/shared_stats.h"

namespace cppcgi {
namespace {

bool IsCgiHandler(const char* handler) {
  return handler != nullptr && (std::strcmp(handler, "cgi-script") == 0 || std::strcmp(handler, "cppcgi-script") == 0 ||
                                std::strcmp(handler, "application/x-httpd-cgi") == 0);
}

// ScriptAlias marks its requests with this note (mod_alias).
bool IsScriptAliased(request_rec* r) {
  const char* forced = apr_table_get(r->notes, "alias-forced-type");
  return forced != nullptr && std::strcmp(forced, "cgi-script") == 0;
}

bool IsNph(const char* filename) {
  const char* base = std::strrchr(filename, '/');
  base = base ? base + 1 : filename;
  return std::strncmp(base, "nph-", 4) == 0;
}

// Workers run as the same User as helpers and scripts: who the checks are for.
const Identity& WorkerIdentity() {
  static const Identity who = CurrentIdentity();
  return who;
}

ExecRequest BuildExecRequest(request_rec* r, const EffectiveSettings& settings) {
  ExecRequest req;
  req.path = r->filename;
  // httpd's directory walk has already applied FollowSymLinks/SymLinksIfOwnerMatch.
  req.follow_symlinks = (ap_allow_options(r) & (OPT_SYM_LINKS | OPT_SYM_OWNER)) != 0;
  req.policy = settings.policy;
  req.who = WorkerIdentity();
  req.interpreter = InterpreterForPath(settings.interpreters, req.path);
  req.suexec = SuexecTargetFor(r);
  if (req.suexec) {
    req.suexec_wrapper = SUEXEC_BIN;
    req.suexec_limits = WrapperLimitsFor(*req.suexec);
    // CppCgiSuexec helpers, and the identity has its own (else: the wrapper).
    req.suexec_by_helpers = !IdentitySocketFor(*req.suexec).empty();
  }
  return req;
}

// RFC 3875 §4.4, as mod_cgi and mod_cgid do it: a query string without an
// unencoded '=' becomes argv words, split on '+', URL-decoded, then escaped
// for the shell (ap_escape_shell_cmd), for any method; at most
// kMaxIndexWords words (mod_cgi truncates at APACHE_ARG_MAX, so do we).
constexpr int kMaxIndexWords = 511;

// Unlike mod_cgi, a word that starts with '-' is refused (400): it would
// reach the interpreter's or program's option parser (php-cgi's "?-s" shows
// the source, "?-d ..." sets options: CVE-2012-1823).
bool AddIndexedQueryArgs(request_rec* r, std::vector<std::string>* argv) {
  const char* args = r->args;
  if (args == nullptr || *args == '\0' || std::strchr(args, '=') != nullptr) return true;
  for (int n = 0; *args != '\0' && n < kMaxIndexWords; ++n) {
    char* word = ap_getword_nulls(r->pool, &args, '+');
    if (*word != '\0') ap_unescape_url(word);
    if (word[0] == '-') {
      RecordFailure(r, Fault::kDashArgument,
                    std::string("the query string of ") + r->filename + " would pass the command-line option '" +
                        ap_escape_logitem(r->pool, word) + "' to it (RFC 3875 indexed query); refused");
      return false;
    }
    argv->emplace_back(ap_escape_shell_cmd(r->pool, word));
  }
  return true;
}

// RLimitCPU/RLimitMEM/RLimitNPROC (httpd core, per directory), for scripts only.
// Like mod_cgi, RLimitMEM limits the address space (RLIMIT_AS).
void AddLimits(request_rec* r, wire::SpawnRequest* req) {
  auto* core = static_cast<core_dir_config*>(ap_get_core_module_config(r->per_dir_config));
  auto add = [&](int resource, const struct rlimit* l) {
    if (l != nullptr) req->limits.push_back({resource, l->rlim_cur, l->rlim_max});
  };
  add(RLIMIT_CPU, core->limit_cpu);
  add(RLIMIT_AS, core->limit_mem);
  add(RLIMIT_NPROC, core->limit_nproc);
}

wire::SpawnRequest BuildSpawnRequest(request_rec* r, const EffectiveSettings& settings,
                                     std::vector<std::string> argv) {
  ap_add_common_vars(r);
  ap_add_cgi_vars(r);
  wire::SpawnRequest req;
  req.key = PoolWorkerKey();
  req.path = r->filename;
  req.cwd = DirectoryOf(r->filename);
  req.argv = std::move(argv);
  for (char** e = ap_create_environment(r->pool, r->subprocess_env); *e != nullptr; ++e) req.env.emplace_back(*e);
  AddLimits(r, &req);
  if (settings.max_scripts) {
    req.dir_slot = settings.max_scripts_slot;
    req.dir_cap = *settings.max_scripts;
  }
  req.total_cap = settings.max_scripts_total;
  // For the status page's table of running scripts.
  req.request = std::string(r->method) + " " + (r->unparsed_uri ? r->unparsed_uri : "");
  if (req.request.size() > wire::kMaxLabelLength) req.request.resize(wire::kMaxLabelLength);
  req.client = r->useragent_ip ? r->useragent_ip : "";
  if (req.client.size() > wire::kMaxLabelLength) req.client.resize(wire::kMaxLabelLength);
  return req;
}

// A request refused before its script runs: recorded, and written to
// ScriptLog in `cgi_words`.
int Refuse(request_rec* r, Fault fault, const std::string& text, const char* cgi_words) {
  int status = RecordFailure(r, fault, text);
  ScriptLogError(r, status, cgi_words);
  return status;
}

// CppCgiErrorPage On: answer a failure with the developer page instead of
// httpd's bare error document. Only for failures before any output went out.
int SendErrorPage(request_rec* r, ErrorPageInfo info) {
  std::string page = RenderErrorPage(info);
  apr_table_clear(r->headers_out);  // nothing the failed script said may leak into this response
  r->status = info.status;
  ap_set_content_type(r, "text/html; charset=utf-8");
  apr_table_setn(r->headers_out, "Cache-Control", "no-store");
  ap_rwrite(page.data(), static_cast<int>(page.size()), r);
  return OK;
}

std::vector<std::string> EnvForPage(request_rec* r) {
  ap_add_common_vars(r);
  ap_add_cgi_vars(r);
  std::vector<std::string> env;
  for (char** e = ap_create_environment(r->pool, r->subprocess_env); *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

}  // namespace


int HandleRequest(request_rec* r) {
  if (!IsCgiHandler(r->handler)) return DECLINED;

  // mod_cgi's words for each in ScriptLog (its entries are compared with mod_cgi's).
  if ((ap_allow_options(r) & OPT_EXECCGI) == 0 && !IsScriptAliased(r)) {
    return Refuse(r, Fault::kExecCgiOff, std::string("Options ExecCGI is off in this directory: ") + r->filename,
                  "Options ExecCGI is off in this directory");
  }
  if (r->finfo.filetype == APR_NOFILE) {
    return Refuse(r, Fault::kNotFound, std::string("script not found or unable to stat: ") + r->filename,
                  "script not found or unable to stat");
  }
  if (r->finfo.filetype == APR_DIR) {
    return Refuse(r, Fault::kIsDirectory, std::string("attempt to invoke directory as script: ") + r->filename,
                  "attempt to invoke directory as script");
  }
  if (r->used_path_info == AP_REQ_REJECT_PATH_INFO && r->path_info != nullptr && *r->path_info != '\0') {
    return Refuse(r, Fault::kPathInfoOff,
                  std::string("AcceptPathInfo off disallows the path info ") + r->path_info + " for " + r->filename,
                  "AcceptPathInfo off disallows user's path");
  }

  // An nph- script writes raw HTTP: it cannot be part of an SSI page (as mod_cgi).
  if (IsNph(r->filename) && r->main != nullptr) {
    return RecordFailure(r, Fault::kNphIncluded, std::string("attempt to include the nph- script ") + r->filename);
  }

  const EffectiveSettings settings = RequestSettings(r);
  // Every check runs on descriptors opened here; the one that passed is the one executed.
  ExecRequest exec_request = BuildExecRequest(r, settings);
  ExecDecision decision = PrepareExec(exec_request);
  if (const auto* refusal = std::get_if<Refusal>(&decision)) {
    RecordRefusal(r, *refusal);
    ScriptLogError(r, refusal->http_status, LogId(refusal->id) + ": " + refusal->problem + "; fix: " + refusal->fix);
    if (settings.error_page) {
      return SendErrorPage(r, {refusal->http_status, r->filename, LogId(refusal->id) + ": " + refusal->problem,
                               refusal->fix, "", {}, EnvForPage(r)});
    }
    return refusal->http_status;
  }
  auto& plan = std::get<ExecPlan>(decision);
  for (const Warning& w : plan.warnings) {
    if (!FirstTime(PoolStats(), w.once_key)) continue;  // said once per file, server-wide
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "%s: %s; fix: %s", LogId(w.what.id).c_str(),
                  w.what.problem.c_str(), w.what.fix.c_str());
  }
  if (!AddIndexedQueryArgs(r, &plan.argv)) return HTTP_BAD_REQUEST;
  // A body of unknown length is read first so that CONTENT_LENGTH can be set.
  SpooledBody body;
  if (HasBodyOfUnknownLength(r) && settings.spool_unknown_length) {
    if (int status = SpoolRequestBody(r, &body); status != OK) return status;
  }
  wire::SpawnRequest spawn = BuildSpawnRequest(r, settings, std::move(plan.argv));
  if (body.spooled) {
    spawn.env.erase(std::remove_if(spawn.env.begin(), spawn.env.end(),
                                   [](const std::string& e) {
                                     return e.starts_with("CONTENT_LENGTH=") || e.starts_with("HTTP_TRANSFER_ENCODING=");
                                   }),
                    spawn.env.end());
    // De-chunked here: the script gets a plain body of this length (RFC 3875 §4.1.2).
    spawn.env.push_back("CONTENT_LENGTH=" + std::to_string(body.length));
  }
  spawn.exec_name = std::move(plan.exec_name);
  // CppCgiPythonPreload: a helper may start it from a warm interpreter (not as another identity).
  if (settings.python_preload && !exec_request.suexec && WarmPythonFor(spawn.argv, spawn.path)) {
    spawn.warm_python = true;
    spawn.python_preload = settings.python_preload_modules;
  }
  if (exec_request.suexec) {
    // Whom it runs as, and how: for LogFormat's %{cppcgi-identity}n.
    apr_table_setn(r->notes, "cppcgi-identity",
                   apr_psprintf(r->pool, "%s:%u:%u", exec_request.suexec_by_helpers ? "helpers" : "wrapper",
                                exec_request.suexec->uid, exec_request.suexec->gid));
  }
  // As the wrapper would pass it on (core/suexec_policy.h).
  if (exec_request.suexec_by_helpers) spawn.env = SuexecEnvironment(spawn.env, SuexecSafePath());
  ScriptRunOptions options;
  options.socket_path = exec_request.suexec_by_helpers ? IdentitySocketFor(*exec_request.suexec) : PoolSocketPath();
  options.idle_timeout_ms = settings.idle_timeout_ms;
  options.max_run_time_ms = settings.max_run_time_ms;
  options.nph = IsNph(r->filename);
  options.suexec = exec_request.suexec.has_value() && !exec_request.suexec_by_helpers;  // the wrapper runs
  options.stderr_limit = settings.stderr_limit;
  options.keep_body_bytes = ScriptLogBodyBytes(settings.script_log);
  options.keep_output_bytes = ScriptLogOutputBytes(settings.script_log);
  if (settings.xsendfile && !options.nph) options.xsendfile_paths = &settings.xsendfile_paths;
  ScriptRun run(r, std::move(options));
  int status = run.Run(spawn, std::move(plan.exec_fd), std::move(body));
  // Which way it started, when it could have been warm: the status page's and LogFormat's.
  if (spawn.warm_python && apr_table_get(r->notes, "cppcgi-python") == nullptr)
    apr_table_setn(r->notes, "cppcgi-python", "cold");
  if (status < 400 || run.failure().empty()) return status;
  std::vector<std::string> tail(run.stderr_tail().begin(), run.stderr_tail().end());
  ScriptLogFailedRun(r, status, ScriptLogRun{{}, run.body_head(), run.failure(), run.output_kept(), run.stderr_kept()});
  if (settings.error_page) {
    return SendErrorPage(r, {status, r->filename, run.failure(), "", run.ExitDescription(), std::move(tail),
                             std::move(spawn.env)});
  }
  return status;
}

}  // namespace cppcgi
