// SPDX-License-Identifier: Apache-2.0
#include "glue/ssi_exec.h"

#include <fcntl.h>

#include <cstring>
#include <string>

#include "core/paths.h"
#include "glue/handler.h"
#include "glue/notice_log.h"
#include "glue/script_io.h"
#include "glue/server_config.h"
#include "glue/suexec_identity.h"
#include "glue/pool_supervisor.h"
#include "mod_include.h"

namespace cppcgi {
namespace {

APR_OPTIONAL_FN_TYPE(ap_ssi_get_tag_and_value)* g_get_tag = nullptr;
APR_OPTIONAL_FN_TYPE(ap_ssi_parse_string)* g_parse_string = nullptr;

constexpr const char* kShell = "/bin/sh";

apr_status_t IncludeCgi(include_ctx_t* ctx, ap_filter_t* f, apr_bucket_brigade* bb, const char* uri) {
  request_rec* r = f->r;
  request_rec* rr = ap_sub_req_lookup_uri(uri, r, f->next);
  apr_status_t result = APR_SUCCESS;
  if (rr->status != HTTP_OK) {
    LogNotice(r, Notice::kSsiIncludeFailed, std::string("unable to include \"") + uri + "\" in parsed file " +
                                                r->filename + ": status " + std::to_string(rr->status));
    result = APR_EGENERAL;
  } else if ((rr->path_info != nullptr && *rr->path_info != '\0') || rr->args != nullptr) {
    LogNotice(r, Notice::kSsiQueryOrPathInfo,
              std::string("no query string or path info allowed in exec cgi \"") + uri + "\" in " + r->filename);
    result = APR_EGENERAL;
  } else if (rr->finfo.filetype != APR_REG) {
    LogNotice(r, Notice::kSsiNotAFile,
              std::string("exec cgi \"") + uri + "\" in " + r->filename + " is not a regular file");
    result = APR_EGENERAL;
  } else {
    // As mod_cgi: the script sees the document's path info and query, and
    // runs as CGI whatever its type would otherwise be.
    rr->path_info = r->path_info;
    rr->args = r->args;
    ap_set_content_type(rr, "application/x-httpd-cgi");
    int status = ap_run_sub_req(rr);
    if (ap_is_HTTP_REDIRECT(status)) {
      if (const char* location = apr_table_get(rr->headers_out, "Location")) {
        const char* esc = ap_escape_html(rr->pool, location);
        const char* link = apr_pstrcat(ctx->pool, "<a href=\"", esc, "\">", esc, "</a>", nullptr);
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_pool_create(link, std::strlen(link), ctx->pool, f->c->bucket_alloc));
      }
    }
  }
  ap_destroy_sub_req(rr);
  return result;
}

apr_status_t IncludeCmd(include_ctx_t* ctx, ap_filter_t* f, apr_bucket_brigade* bb, const char* command) {
  request_rec* r = f->r;
  UniqueFd shell(::open(kShell, O_PATH | O_CLOEXEC));
  if (!shell) return APR_FROM_OS_ERROR(errno);
  ap_add_common_vars(r);
  ap_add_cgi_vars(r);
  wire::SpawnRequest req;
  req.key = PoolWorkerKey();
  req.path = kShell;
  req.cwd = DirectoryOf(r->filename);
  req.argv = {kShell, "-c", command};  // exactly the configured command
  for (char** e = ap_create_environment(r->pool, r->subprocess_env); *e != nullptr; ++e) req.env.emplace_back(*e);

  // The limits of the page's directory apply to its command.
  const EffectiveSettings settings = RequestSettings(r);
  ScriptRunOptions options;
  options.socket_path = PoolSocketPath();
  options.idle_timeout_ms = settings.idle_timeout_ms;
  options.max_run_time_ms = settings.max_run_time_ms;
  options.stderr_limit = settings.stderr_limit;
  options.collect_into = bb;
  ScriptRun run(r, std::move(options));
  int status = run.Run(req, std::move(shell), SpooledBody{});
  (void)ctx;
  return status == OK ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t HandleExec(include_ctx_t* ctx, ap_filter_t* f, apr_bucket_brigade* bb) {
  request_rec* r = f->r;
  if ((ctx->flags & SSI_FLAG_PRINTING) == 0) return APR_SUCCESS;
  if (ctx->argc == 0) {
    LogNotice(r, Notice::kSsiNoArgument, std::string("missing argument for exec element in ") + r->filename);
    SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
    return APR_SUCCESS;
  }
  if ((ctx->flags & SSI_FLAG_NO_EXEC) != 0) {
    LogNotice(r, Notice::kSsiNotAllowed,
              std::string("exec used but not allowed in ") + r->filename + " (Options IncludesNOEXEC)");
    SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
    return APR_SUCCESS;
  }
  for (;;) {
    char* tag = nullptr;
    char* value = nullptr;
    g_get_tag(ctx, &tag, &value, SSI_VALUE_DECODED);
    if (tag == nullptr || value == nullptr) break;
    char parsed[MAX_STRING_LEN];
    apr_status_t rv;
    if (std::strcmp(tag, "cmd") == 0) {
      // The wrapper runs only a script file; the command would run as
      // User, which is what suEXEC is there to prevent.
      if (std::optional<SuexecTarget> target = SuexecTargetFor(r)) {
        LogNotice(r, Notice::kSsiCmdUnderSuexec,
                  std::string("exec cmd in ") + r->filename + " is not run: suEXEC applies here (uid " +
                      std::to_string(target->uid) + "), and the command would run as the server's User instead");
        SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
        break;
      }
      g_parse_string(ctx, value, parsed, sizeof parsed, SSI_EXPAND_LEAVE_NAME);
      rv = IncludeCmd(ctx, f, bb, parsed);
    } else if (std::strcmp(tag, "cgi") == 0) {
      g_parse_string(ctx, value, parsed, sizeof parsed, SSI_EXPAND_DROP_NAME);
      rv = IncludeCgi(ctx, f, bb, parsed);
    } else {
      LogNotice(r, Notice::kSsiUnknownParameter,
                std::string("unknown parameter \"") + tag + "\" to tag exec in " + r->filename);
      SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
      break;
    }
    if (rv != APR_SUCCESS) {
      LogNotice(r, Notice::kSsiExecFailed,
                std::string("exec ") + tag + "=\"" + parsed + "\" failed in " + r->filename, rv);
      SSI_CREATE_ERROR_BUCKET(ctx, f, bb);
      break;
    }
  }
  return APR_SUCCESS;
}

apr_status_t HandleExecGuarded(include_ctx_t* ctx, ap_filter_t* f, apr_bucket_brigade* bb) noexcept {
  try {
    return HandleExec(ctx, f, bb);
  } catch (...) {
    LogNotice(f->r, Notice::kInternal, "internal error in SSI exec");
    return APR_EGENERAL;
  }
}

}  // namespace

void RegisterSsiExec() {
  auto* reg = APR_RETRIEVE_OPTIONAL_FN(ap_register_include_handler);
  g_get_tag = APR_RETRIEVE_OPTIONAL_FN(ap_ssi_get_tag_and_value);
  g_parse_string = APR_RETRIEVE_OPTIONAL_FN(ap_ssi_parse_string);
  if (reg != nullptr && g_get_tag != nullptr && g_parse_string != nullptr) {
    static char tag[] = "exec";
    reg(tag, HandleExecGuarded);
  }
}

}  // namespace cppcgi
