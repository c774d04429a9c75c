// SPDX-License-Identifier: Apache-2.0
// The content handler for "cgi-script" (mod_cgi's name, so existing
// AddHandler/SetHandler/ScriptAlias configs keep working), "cppcgi-script"
// and the legacy type application/x-httpd-cgi.
#pragma once

#include "glue/httpd_includes.h"

namespace cppcgi {

int HandleRequest(request_rec* r);

}  // namespace cppcgi
