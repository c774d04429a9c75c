// SPDX-License-Identifier: Apache-2.0
#include "glue/compat.h"

#include <cstring>
#include <set>
#include <string>

#include "glue/notice_log.h"

namespace cppcgi {
namespace {

// Inert module records: only the name matters. <IfModule x> is true when a
// linked module's record has the name x, which for a real module is its file
// name ("mod_cgi.c"); the identifier form ("cgi_module") is looked up in the
// same list first, before mod_so's own table of what LoadModule loaded.
module MakeNameOnly(const char* name) {
  module m{};
  m.version = MODULE_MAGIC_NUMBER_MAJOR;
  m.minor_version = MODULE_MAGIC_NUMBER_MINOR;
  m.module_index = -1;
  m.name = name;
  m.magic = MODULE_MAGIC_COOKIE;
  return m;
}

module g_cgi_name = MakeNameOnly("mod_cgi.c");
module g_cgid_name = MakeNameOnly("mod_cgid.c");
module g_cgi_id = MakeNameOnly("cgi_module");
module g_cgid_id = MakeNameOnly("cgid_module");
module* const kNameOnly[] = {&g_cgi_name, &g_cgid_name, &g_cgi_id, &g_cgid_id};

std::set<std::string>& IgnoredDirectives() {
  static std::set<std::string> names;
  return names;
}

std::set<std::string>& CompatValues() {
  static std::set<std::string> texts;
  return texts;
}

bool IsNameOnly(const module* m) {
  for (const module* n : kNameOnly) {
    if (m == n) return true;
  }
  return false;
}

apr_status_t RemoveCompatNames(void*) {
  for (module* m : kNameOnly) {
    if (m->module_index != -1) ap_remove_module(m);
    m->next = nullptr;
    m->module_index = -1;
  }
  return APR_SUCCESS;
}

}  // namespace

void RegisterCompatNames(apr_pool_t* pconf) {
  bool added = false;
  for (module* m : kNameOnly) {
    if (m->module_index != -1) continue;            // already added this generation
    if (ap_find_linked_module(m->name) != nullptr) continue;  // the real module is loaded: conflict, see below
    if (ap_add_module(m, pconf, nullptr) == nullptr) added = true;
  }
  // Registered after mod_so's unload cleanup, so it runs before our .so is unloaded.
  if (added) apr_pool_cleanup_register(pconf, nullptr, RemoveCompatNames, apr_pool_cleanup_null);
}

int CheckNoConflictingModules(apr_pool_t*, apr_pool_t*, apr_pool_t*, server_rec* s) {
  for (module* m = ap_top_module; m != nullptr; m = m->next) {
    if (IsNameOnly(m)) continue;
    if (std::strcmp(m->name, "mod_cgi.c") == 0 || std::strcmp(m->name, "mod_cgid.c") == 0) {
      LogNotice(s, Notice::kConflict,
                std::string(m->name) + " is loaded together with mod_cppcgi; both would serve the cgi-script "
                "handler, and mod_cppcgi replaces mod_cgi and mod_cgid");
      return HTTP_INTERNAL_SERVER_ERROR;
    }
  }
  return OK;
}

void NoteIgnoredDirective(const char* name) { IgnoredDirectives().insert(name); }

void NoteCompatValue(std::string text) { CompatValues().insert(std::move(text)); }

void ResetCompatNotices() {
  IgnoredDirectives().clear();
  CompatValues().clear();
}

void LogCompatNotices(server_rec* s) {
  for (const auto& name : IgnoredDirectives()) {
    LogNotice(s, Notice::kCompatDirective,
              name + " is accepted for compatibility with mod_cgi/mod_cgid and has no effect under mod_cppcgi");
  }
  for (const auto& text : CompatValues()) {
    LogNotice(s, Notice::kCompatValue, text);
  }
}

}  // namespace cppcgi
