// SPDX-License-Identifier: Apache-2.0
#include "glue/failure_report.h"

#include "glue/notice_log.h"
#include "glue/pool_supervisor.h"
#include "proc/shared_stats.h"

namespace cppcgi {

int RecordFailure(request_rec* r, Fault fault, std::string_view text, apr_status_t os_error) {
  const FaultSpec& spec = SpecOf(fault);
  std::string prefix = FaultLogPrefix(fault);
  std::string fix = spec.fix.empty() ? std::string() : "; fix: " + std::string(spec.fix);
  ap_log_rerror(APLOG_MARK, HttpdLogLevel(spec.level), os_error, r, "%s%.*s%s", prefix.c_str(),
                static_cast<int>(text.size()), text.data(), fix.c_str());
  CountFault(PoolStats(), spec.metric);
  return spec.http_status;
}

void RecordRefusal(request_rec* r, const Refusal& refusal) {
  ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s: %s; fix: %s", LogId(refusal.id).c_str(), refusal.problem.c_str(),
                refusal.fix.c_str());
  CountRefusal(PoolStats(), static_cast<int>(refusal.id));
}

}  // namespace cppcgi
