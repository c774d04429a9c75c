// SPDX-License-Identifier: Apache-2.0
// Drop-in compatibility with mod_cgi and mod_cgid at the configuration level.
//
// Existing configurations guard CGI settings with <IfModule mod_cgi.c> or
// <IfModule mod_cgid.c> (Debian's serve-cgi-bin.conf enables /cgi-bin/ that
// way), or <IfModule cgi_module> / <IfModule cgid_module>. <IfModule> looks a
// name up in httpd's list of linked modules first, so when mod_cppcgi is
// loaded it adds inert module records named "mod_cgi.c", "mod_cgid.c",
// "cgi_module" and "cgid_module" to that list: no hooks, no directives, no
// configuration. They are removed again when the configuration pool is
// cleared (restart/stop).
// If the real mod_cgi or mod_cgid is loaded as well, startup is refused.
#pragma once

#include <string>

#include "glue/httpd_includes.h"

namespace cppcgi {

// Called when LoadModule configures the main server; idempotent per generation.
void RegisterCompatNames(apr_pool_t* pconf);

// check_config: refuses a configuration that also loads mod_cgi or mod_cgid.
int CheckNoConflictingModules(apr_pool_t* pconf, apr_pool_t* plog, apr_pool_t* ptemp, server_rec* s);

// Records a directive that is accepted for compatibility but has no effect
// (CPPCGI0201), or a compatibility directive's value that is read as mod_cgi
// reads it, which is likely not what was meant (CPPCGI0202, the text to say);
// LogCompatNotices() says each once per startup.
void NoteIgnoredDirective(const char* name);
void NoteCompatValue(std::string text);
void LogCompatNotices(server_rec* s);
void ResetCompatNotices();

}  // namespace cppcgi
