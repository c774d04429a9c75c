// SPDX-License-Identifier: Apache-2.0
#include "glue/doctor_hook.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/doctor_report.h"
#include "glue/server_config.h"

namespace cppcgi {

void ReportForDoctor(apr_pool_t* pconf, server_rec* s) {
  const char* script = std::getenv(kDoctorScriptEnv);
  if (script == nullptr || *script != '/') return;
  apr_pool_t* p = nullptr;
  if (apr_pool_create(&p, pconf) != APR_SUCCESS) return;
  // A connection and request that never touch a socket: enough for the
  // directory, file and type walks.
  auto* c = static_cast<conn_rec*>(apr_pcalloc(p, sizeof(conn_rec)));
  c->pool = p;
  c->base_server = s;
  c->bucket_alloc = apr_bucket_alloc_create(p);
  c->conn_config = ap_create_conn_config(p);
  c->notes = apr_table_make(p, 1);
  c->client_ip = apr_pstrdup(p, "127.0.0.1");
  c->local_ip = apr_pstrdup(p, "127.0.0.1");
  request_rec* r = ap_create_request(c);
  r->method = "GET";
  r->method_number = M_GET;
  r->protocol = apr_pstrdup(p, "HTTP/1.1");
  r->proto_num = HTTP_VERSION(1, 1);
  r->uri = apr_pstrdup(p, "/");
  r->filename = apr_pstrdup(p, script);
  r->canonical_filename = r->filename;
  if (int rc = ap_directory_walk(r); rc != OK) {
    std::printf("%.*serror the directory walk for %s failed with HTTP %d\n", static_cast<int>(kDoctorReportPrefix.size()),
                kDoctorReportPrefix.data(), script, rc);
    return;
  }
  ap_file_walk(r);
  // SetHandler, as core's fixup would apply it. (mod_mime's AddHandler cannot
  // be asked: its tables are only built in post_config, which -t skips.)
  const char* handler = nullptr;
  auto* core = static_cast<core_dir_config*>(ap_get_core_module_config(r->per_dir_config));
  if (core->expr_handler != nullptr) {
    const char* err = nullptr;
    handler = ap_expr_str_exec(r, core->expr_handler, &err);
    if (err != nullptr) handler = nullptr;
  } else {
    handler = core->handler;
  }
  if (handler != nullptr && std::strcmp(handler, "none") == 0) handler = nullptr;

  DoctorReport report;
  report.script = script;
  int options = ap_allow_options(r);
  report.exec_cgi = (options & OPT_EXECCGI) != 0;
  report.follow_symlinks = (options & (OPT_SYM_LINKS | OPT_SYM_OWNER)) != 0;
  report.handler = handler != nullptr ? handler : "";
  report.user = ap_unixd_config.user_name != nullptr ? ap_unixd_config.user_name : "";
  if (const DirConfig* dc = GetDirConfig(r)) report.settings = dc->settings;
  std::string text = FormatDoctorReport(report);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace cppcgi
