// SPDX-License-Identifier: Apache-2.0
// mod_cppcgi: the module record and hook registration. Nothing else lives
// here; the record is the only symbol the .so exports (see exports.map).

#include "glue/boundary.h"
#include "glue/compat.h"
#include "glue/doctor_hook.h"
#include "glue/handler.h"
#include "glue/httpd_includes.h"
#include "glue/pool_supervisor.h"
#include "glue/script_stdin.h"
#include "glue/server_config.h"
#include "glue/ssi_exec.h"
#include "glue/status_handler.h"
#include "glue/suexec_identity.h"

namespace cppcgi {
namespace {

int PreConfig(apr_pool_t*, apr_pool_t*, apr_pool_t*) noexcept {
  ResetCompatNotices();
  ResetDirSlots();
  return OK;
}

int CheckConfig(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp, server_rec* s) noexcept {
  return Guard(s, "check_config", HTTP_INTERNAL_SERVER_ERROR, [&] {
    int rc = CheckNoConflictingModules(pconf, plog, ptemp, s);
    // apachectl -t: said on its output (the error log is not open then).
    if (rc == OK && ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST) LogCompatNotices(s);
    return rc;
  });
}

int PostConfig(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp, server_rec* s) noexcept {
  return Guard(s, "post_config", HTTP_INTERNAL_SERVER_ERROR, [&] {
    // A start or restart: said once, in the error log (not on the first of the start's two passes).
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) LogCompatNotices(s);
    RegisterSsiExec();
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) ReadSuexecSettings(s);
    return StartPool(pconf, plog, ptemp, s);
  });
}

void ChildInit(apr_pool_t* pchild, server_rec* s) noexcept {
  Guard(s, "child_init", 0, [&] {
    ForgetPoolInChild(pchild, s);
    (void)NullInput();  // opened now, not during a request
    return 0;
  });
}

void TestConfig(apr_pool_t* pconf, server_rec* s) noexcept {
  Guard(s, "test_config", 0, [&] {
    ReportForDoctor(pconf, s);
    return 0;
  });
}

int Handler(request_rec* r) noexcept {
  return Guard(r->server, "handler", static_cast<int>(HTTP_INTERNAL_SERVER_ERROR), [&] { return HandleRequest(r); });
}

int StatusHandler(request_rec* r) noexcept {
  return Guard(r->server, "status handler", static_cast<int>(HTTP_INTERNAL_SERVER_ERROR),
               [&] { return HandleStatusRequest(r); });
}

void RegisterHooks(apr_pool_t*) {
  ap_hook_pre_config(PreConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_check_config(CheckConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_post_config(PostConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_child_init(ChildInit, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_test_config(TestConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_handler(Handler, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_handler(StatusHandler, nullptr, nullptr, APR_HOOK_MIDDLE);
  RegisterStatusSection();
}

}  // namespace
}  // namespace cppcgi

extern "C" {
__attribute__((visibility("default"))) module AP_MODULE_DECLARE_DATA cppcgi_module = {
    MODULE_MAGIC_NUMBER_MAJOR,
    MODULE_MAGIC_NUMBER_MINOR,
    -1,
    "mod_cppcgi.c",  // what <IfModule mod_cppcgi.c> matches
    nullptr,
    nullptr,
    MODULE_MAGIC_COOKIE,
    nullptr,
    cppcgi::CreateDirConfig,
    cppcgi::MergeDirConfig,
    cppcgi::CreateServerConfig,
    cppcgi::MergeServerConfig,
    cppcgi::kDirectives,
    cppcgi::RegisterHooks,
    AP_MODULE_FLAG_NONE,
};
}
