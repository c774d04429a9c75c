// SPDX-License-Identifier: Apache-2.0
// SSI <!--#exec cgi="..." --> and <!--#exec cmd="..." --> for mod_include,
// registered the way mod_cgi does. cgi= runs a subrequest that this module's
// handler serves; cmd= runs exactly the configured command with /bin/sh -c
// through a helper (never with the request's query string appended: that
// was mod_cgid's CVE-2025-58098), its output inserted into the page.
#pragma once

#include "glue/httpd_includes.h"

namespace cppcgi {

// post_config: registers the "exec" element with mod_include, if loaded.
void RegisterSsiExec();

}  // namespace cppcgi
