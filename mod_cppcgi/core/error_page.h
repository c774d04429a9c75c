// SPDX-License-Identifier: Apache-2.0
// The developer error page (CppCgiErrorPage On): what a script author needs
// to fix a failing script, instead of a bare 500. Everything is HTML-escaped;
// credentials in the variables (Authorization, cookies, anything named like a
// password, secret, token or key) are masked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cppcgi {

struct ErrorPageInfo {
  int status = 500;
  std::string script;          // path
  std::string reason;          // what went wrong (the log line's text)
  std::string fix;             // how to fix it, if known
  std::string exit;            // "exited with status 1", "was killed by signal 9", or ""
  std::vector<std::string> stderr_tail;  // last lines the script wrote to stderr
  std::vector<std::string> env;          // "NAME=value", as the script got (or would get) them
};

std::string HtmlEscape(std::string_view text);
// True when a variable's value must not be shown.
bool IsSecretVariable(std::string_view name);
std::string RenderErrorPage(const ErrorPageInfo& info);

}  // namespace cppcgi
