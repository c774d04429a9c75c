// SPDX-License-Identifier: Apache-2.0
#include "glue/xsendfile.h"

#include <errno.h>

#include <string_view>

#include "core/xsendfile.h"
#include "glue/apr_raii.h"
#include "glue/pool_supervisor.h"
#include "proc/shared_stats.h"
#include "proc/worker/open_beneath.h"

namespace cppcgi {
namespace {

bool HasHeader(request_rec* r, const char* name) {
  return apr_table_get(r->headers_out, name) != nullptr || apr_table_get(r->err_headers_out, name) != nullptr;
}

SendfileOutcome Failed(Fault fault, std::string text) {
  return SendfileOutcome{SpecOf(fault).http_status, fault, std::move(text)};
}

}  // namespace

const char* TakeSendfileHeader(request_rec* r) {
  const char* found = nullptr;
  for (std::string_view name : kSendfileHeaders) {
    std::string n(name);
    for (apr_table_t* t : {r->headers_out, r->err_headers_out}) {
      const char* v = apr_table_get(t, n.c_str());
      if (v != nullptr && found == nullptr) found = v;
      apr_table_unset(t, n.c_str());
    }
  }
  return found;
}

SendfileOutcome SendNamedFile(request_rec* r, const char* path, const std::vector<std::string>& dirs) {
  std::string what = std::string("X-Sendfile from script ") + r->filename + " names '" +
                     ap_escape_logitem(r->pool, path) + "'";
  std::string allowed = " (CppCgiXSendFilePath: " + SendfileDirList(dirs) + ")";
  SendfilePathResult chosen = ChooseSendfileDir(path, dirs);
  if (!chosen.target) {
    switch (chosen.problem) {
      case SendfilePathProblem::kNotAbsolute:
        return Failed(Fault::kSendfileRefused, what + ", which is not an absolute path" + allowed);
      case SendfilePathProblem::kDotComponent:
        return Failed(Fault::kSendfileRefused, what + ", which has a '.', '..' or empty component" + allowed);
      case SendfilePathProblem::kNotAllowed:
        return Failed(Fault::kSendfileRefused, what + ", which is under none of the allowed directories" + allowed);
    }
  }
  const SendfileTarget& target = *chosen.target;
  auto opened = OpenRegularFileBeneath(target.dir, target.rel);
  if (!opened.ok()) {
    const Status& st = opened.status();
    int err = st.sys_errno();
    if (st.code() == Code::kUnavailable)
      return Failed(Fault::kSendfileFailed, what + ", but " + st.ToString() + allowed);
    if (st.code() == Code::kInvalidArgument)
      return Failed(Fault::kSendfileRefused, what + ", which is not a regular file" + allowed);
    if (err == ENOENT || err == ENOTDIR)
      return Failed(Fault::kSendfileMissing, what + ", which does not exist" + allowed);
    if (err == EXDEV || err == ELOOP)
      return Failed(Fault::kSendfileRefused,
                    what + ", whose path leads out of " + target.dir + " through a symbolic link" + allowed);
    if (err == EACCES || err == EPERM)
      return Failed(Fault::kSendfileRefused, what + ", which the server's user may not read" + allowed);
    return Failed(Fault::kSendfileFailed, what + ", which cannot be opened: " + st.ToString() + allowed);
  }
  // What is sent is what was opened: the descriptor lives as long as the
  // request (whose pool httpd frees only once the response is written).
  int fd = PoolOwned<UniqueFd>(r->pool, std::move(opened->fd))->get();
  apr_file_t* file = nullptr;
  apr_os_file_put(&file, &fd, APR_FOPEN_READ | APR_FOPEN_SENDFILE_ENABLED, r->pool);
  // r->finfo describes the response's body from here on (ap_set_etag reads it).
  apr_status_t info = apr_file_info_get(&r->finfo, APR_FINFO_MIN | APR_FINFO_IDENT, file);
  if ((info != APR_SUCCESS && info != APR_INCOMPLETE) || (r->finfo.valid & APR_FINFO_MIN) != APR_FINFO_MIN)
    return Failed(Fault::kSendfileFailed, what + ", whose size and times cannot be read" + allowed);
  apr_table_setn(r->notes, "cppcgi-sendfile", apr_pstrdup(r->pool, path));
  if (!HasHeader(r, "Last-Modified")) {
    ap_update_mtime(r, r->finfo.mtime);
    ap_set_last_modified(r);
  }
  if (!HasHeader(r, "ETag")) ap_set_etag(r);
  if (r->status == HTTP_OK && !HasHeader(r, "Accept-Ranges")) ap_set_accept_ranges(r);  // as MaxRanges says
  ap_set_content_length(r, r->finfo.size);
  if (r->status == HTTP_OK) {
    // If-None-Match, If-Modified-Since, ... as for a static file; the byterange filter answers Range.
    if (int cond = ap_meets_conditions(r); cond != OK) {
      r->status = cond;
      return SendfileOutcome{cond, std::nullopt, {}};
    }
  }
  conn_rec* c = r->connection;
  apr_bucket_brigade* bb = apr_brigade_create(r->pool, c->bucket_alloc);
  apr_brigade_insert_file(bb, file, 0, r->finfo.size, r->pool);
  APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(c->bucket_alloc));
  if (SharedStats* stats = PoolStats()) Bump(stats->sendfile_responses);
  apr_status_t rv = ap_pass_brigade(r->output_filters, bb);
  apr_brigade_cleanup(bb);
  if (rv == APR_SUCCESS || c->aborted) return SendfileOutcome{OK, std::nullopt, {}};
  return SendfileOutcome{AP_FILTER_ERROR, std::nullopt, {}};
}

}  // namespace cppcgi
