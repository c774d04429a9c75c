#include "glue/handler.h"

#include <cstring>
#include <string>

#include "core/log_ids.h"
#include "core/wire.h"
#include "glue/pool_supervisor.h"
#include "glue/script_io.h"
#include "glue/server_config.h"

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

int64_t IdleTimeoutMs(request_rec* r) {
  const DirConfig* dc = GetDirConfig(r);
  if (dc != nullptr && dc->settings.idle_timeout_ms) return *dc->settings.idle_timeout_ms;
  return apr_time_as_msec(r->server->timeout);
}

wire::SpawnRequest BuildSpawnRequest(request_rec* r) {
  ap_add_common_vars(r);
  ap_add_cgi_vars(r);
  wire::SpawnRequest req;
  req.path = r->filename;
  const char* filename = r->filename;
  const char* slash = std::strrchr(filename, '/');
  req.cwd = slash && slash != filename ? std::string(filename, slash) : std::string("/");
  req.argv.emplace_back(r->filename);
  for (char** e = ap_create_environment(r->pool, r->subprocess_env); *e != nullptr; ++e) req.env.emplace_back(*e);
  return req;
}

}  // namespace

int HandleRequest(request_rec* r) {
  if (!IsCgiHandler(r->handler)) return DECLINED;

  if ((ap_allow_options(r) & OPT_EXECCGI) == 0 && !IsScriptAliased(r)) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  CPPCGI_EXECCGI_OFF "Options ExecCGI is off in this directory: %s", r->filename);
    return HTTP_FORBIDDEN;
  }
  if (r->finfo.filetype == APR_NOFILE) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, CPPCGI_NOT_FOUND "script not found or unable to stat: %s",
                  r->filename);
    return HTTP_NOT_FOUND;
  }
  if (r->finfo.filetype == APR_DIR) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, CPPCGI_IS_DIRECTORY "attempt to invoke directory as script: %s",
                  r->filename);
    return HTTP_FORBIDDEN;
  }
  if (r->used_path_info == AP_REQ_REJECT_PATH_INFO && r->path_info != nullptr && *r->path_info != '\0') {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  CPPCGI_PATH_INFO_OFF "AcceptPathInfo off disallows the path info %s for %s", r->path_info,
                  r->filename);
    return HTTP_NOT_FOUND;
  }

  ScriptRun run(r, PoolSocketPath(), IdleTimeoutMs(r), IsNph(r->filename));
  return run.Run(BuildSpawnRequest(r));
}

}  // namespace cppcgi
