// SPDX-License-Identifier: Apache-2.0
// For `cppcgi-doctor --config`: when httpd runs a configuration test (-t)
// with CPPCGI_DOCTOR_SCRIPT set, walk the configuration for that file as a
// request for it would be walked, and print the settings that apply
// (core/doctor_report.h) to stdout. Nothing happens otherwise.
#pragma once

#include "glue/httpd_includes.h"

namespace cppcgi {

void ReportForDoctor(apr_pool_t* pconf, server_rec* s);

}  // namespace cppcgi
