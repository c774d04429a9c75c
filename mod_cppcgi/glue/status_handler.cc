// SPDX-License-Identifier: Apache-2.0
#include "glue/status_handler.h"

#include <time.h>

#include <cstring>
#include <string>

#include "core/metrics.h"
#include "glue/pool_supervisor.h"
#include "mod_status.h"
#include "proc/shared_stats.h"
#include "scoreboard.h"

namespace cppcgi {
namespace {

enum class Format { kHtml, kJson, kPrometheus };

int64_t MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

Format ChooseFormat(request_rec* r) {
  if (r->args != nullptr) {
    if (std::strcmp(r->args, "json") == 0) return Format::kJson;
    if (std::strcmp(r->args, "metrics") == 0) return Format::kPrometheus;
  }
  // What Prometheus sends: "application/openmetrics-text;...,text/plain;version=0.0.4;q=0.5,*/*;q=0.1".
  const char* accept = apr_table_get(r->headers_in, "Accept");
  if (accept != nullptr && ap_strcasestr(accept, "version=0.0.4") != nullptr) return Format::kPrometheus;
  return Format::kHtml;
}

int StatusSection(request_rec* r, int flags) {
  if (!ap_extended_status) return OK;
  StatsSnapshot snap = TakeSnapshot(PoolStats(), MonotonicUs());
  std::string text = RenderStatusSection(snap, (flags & AP_STATUS_SHORT) != 0);
  ap_rwrite(text.data(), static_cast<int>(text.size()), r);
  return OK;
}

}  // namespace

int HandleStatusRequest(request_rec* r) {
  if (r->handler == nullptr || std::strcmp(r->handler, "cppcgi-status") != 0) return DECLINED;
  ap_allow_standard_methods(r, MERGE_ALLOW, M_GET, -1);
  if (r->method_number != M_GET) return HTTP_METHOD_NOT_ALLOWED;
  StatsSnapshot snap = TakeSnapshot(PoolStats(), MonotonicUs());
  snap.identities = IdentityPools();
  std::string body;
  switch (ChooseFormat(r)) {
    case Format::kJson:
      ap_set_content_type(r, "application/json");
      body = RenderJson(snap);
      break;
    case Format::kPrometheus:
      ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
      body = RenderPrometheus(snap);
      break;
    case Format::kHtml:
      ap_set_content_type(r, "text/html; charset=utf-8");
      body = RenderHtml(snap);
      break;
  }
  apr_table_setn(r->headers_out, "Cache-Control", "no-store");
  apr_table_mergen(r->headers_out, "Vary", "Accept");
  if (!r->header_only) ap_rwrite(body.data(), static_cast<int>(body.size()), r);
  return OK;
}

void RegisterStatusSection() { APR_OPTIONAL_HOOK(ap, status_hook, StatusSection, nullptr, nullptr, APR_HOOK_MIDDLE); }

}  // namespace cppcgi
