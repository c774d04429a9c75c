// SPDX-License-Identifier: Apache-2.0
// X-Sendfile (CppCgiXSendFile On): when a script's header section names a
// file (core/xsendfile.h), the script's body is dropped and httpd sends that
// file through its own output path: sendfile where the filters allow it,
// its length, Last-Modified and ETag unless the script set them, and
// conditional and Range requests answered as for a static file. The script's
// status and other headers stay; the naming header never reaches the client.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/failure.h"
#include "glue/httpd_includes.h"

namespace cppcgi {

// Removes every X-Sendfile header (both names) from the response; returns
// the first one's value (in r->pool), or null if there was none.
const char* TakeSendfileHeader(request_rec* r);

struct SendfileOutcome {
  int status = OK;             // what the handler returns
  std::optional<Fault> fault;  // the file could not be sent: why (`text` says what, with the path)
  std::string text;
};

// Sends the file `path` names, if it is under one of `dirs`, as the response.
SendfileOutcome SendNamedFile(request_rec* r, const char* path, const std::vector<std::string>& dirs);

}  // namespace cppcgi
