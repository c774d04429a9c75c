// SPDX-License-Identifier: Apache-2.0
#include "glue/response_output.h"

namespace cppcgi {
namespace {

// Why the client is gone, when passing output to it failed.
constexpr const char* kWriteFailed = "writing the response to it failed";

}  // namespace

ResponseOutput::ResponseOutput(request_rec* r, apr_bucket_brigade* collect_into)
    : r_(r),
      c_(r->connection),
      collect_into_(collect_into),
      out_(apr_brigade_create(r->pool, r->connection->bucket_alloc)) {}

bool ResponseOutput::Pass(const char* data, size_t len) {
  if (len == 0) return true;
  if (collect_into_ != nullptr) {
    APR_BRIGADE_INSERT_TAIL(collect_into_, apr_bucket_heap_create(data, len, nullptr, c_->bucket_alloc));
    return true;
  }
  if (holding_) {
    APR_BRIGADE_INSERT_TAIL(held_, apr_bucket_heap_create(data, len, nullptr, c_->bucket_alloc));
    held_bytes_ += len;
    if (held_bytes_ <= hold_limit_) return true;
    return ReleaseHeld();  // too big: stream it (a Range request gets the whole output, 200)
  }
  APR_BRIGADE_INSERT_TAIL(out_, apr_bucket_transient_create(data, len, c_->bucket_alloc));
  return PassOn();
}

bool ResponseOutput::PassOn() {
  apr_status_t rv = ap_pass_brigade(r_->output_filters, out_);
  apr_brigade_cleanup(out_);
  if (rv != APR_SUCCESS || c_->aborted) {
    ClientGone(kWriteFailed);
    return false;
  }
  unflushed_ = true;
  return true;
}

void ResponseOutput::Hold(size_t limit, apr_time_t until) {
  if (held_ == nullptr) held_ = apr_brigade_create(r_->pool, c_->bucket_alloc);
  hold_limit_ = limit;
  hold_until_ = until;
  holding_ = true;
}

bool ResponseOutput::ReleaseHeld() {
  holding_ = false;
  hold_until_ = 0;
  if (held_ == nullptr || APR_BRIGADE_EMPTY(held_) || gone_ != nullptr) return true;
  APR_BRIGADE_CONCAT(out_, held_);
  return PassOn();
}

void ResponseOutput::Flush() {
  if (!unflushed_ || gone_ != nullptr || collect_into_ != nullptr || holding_) return;
  unflushed_ = false;
  APR_BRIGADE_INSERT_TAIL(out_, apr_bucket_flush_create(c_->bucket_alloc));
  if (ap_pass_brigade(r_->output_filters, out_) != APR_SUCCESS || c_->aborted) ClientGone(kWriteFailed);
  apr_brigade_cleanup(out_);
}

void ResponseOutput::End() {
  // With what was held, httpd's filters see the complete response.
  if (held_ != nullptr) APR_BRIGADE_CONCAT(out_, held_);
  APR_BRIGADE_INSERT_TAIL(out_, apr_bucket_eos_create(c_->bucket_alloc));
  ap_pass_brigade(r_->output_filters, out_);
  apr_brigade_cleanup(out_);
}

void ResponseOutput::CutOff() {
  ReleaseHeld();  // what the script wrote goes out first, with its headers
  APR_BRIGADE_INSERT_TAIL(out_, ap_bucket_error_create(HTTP_BAD_GATEWAY, nullptr, r_->pool, c_->bucket_alloc));
  APR_BRIGADE_INSERT_TAIL(out_, apr_bucket_eos_create(c_->bucket_alloc));
  ap_pass_brigade(r_->output_filters, out_);
  apr_brigade_cleanup(out_);
  c_->keepalive = AP_CONN_CLOSE;
}

}  // namespace cppcgi
