// SPDX-License-Identifier: Apache-2.0
#include "core/error_page.h"

#include <algorithm>
#include <cctype>

namespace cppcgi {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') {
          out += "?";  // control characters are not shown raw
        } else {
          out += c;
        }
    }
  }
  return out;
}

bool IsSecretVariable(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  if (upper == "HTTP_AUTHORIZATION" || upper == "HTTP_PROXY_AUTHORIZATION" || upper == "HTTP_COOKIE") return true;
  for (std::string_view word : {"PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "SESSION"}) {
    if (upper.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string RenderErrorPage(const ErrorPageInfo& info) {
  std::string h = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + std::to_string(info.status) +
                  ": CGI script failed</title>\n<style>body{font-family:sans-serif;margin:2em}"
                  "pre{background:#f4f4f4;padding:1em;overflow:auto}td{padding:0 1em 0 0;vertical-align:top}"
                  "</style></head><body>\n";
  h += "<h1>" + std::to_string(info.status) + ": the CGI script did not run correctly</h1>\n";
  h += "<p><b>Script:</b> <code>" + HtmlEscape(info.script) + "</code></p>\n";
  h += "<p><b>What happened:</b> " + HtmlEscape(info.reason) + "</p>\n";
  if (!info.fix.empty()) h += "<p><b>How to fix it:</b> " + HtmlEscape(info.fix) + "</p>\n";
  if (!info.exit.empty()) h += "<p><b>The script:</b> " + HtmlEscape(info.exit) + "</p>\n";
  h += "<h2>Standard error (last lines)</h2>\n<pre>";
  if (info.stderr_tail.empty()) h += "(nothing)";
  for (const auto& line : info.stderr_tail) h += HtmlEscape(line) + "\n";
  h += "</pre>\n<h2>CGI variables</h2>\n<table>\n";
  std::vector<std::string> env = info.env;
  std::sort(env.begin(), env.end());
  for (const auto& entry : env) {
    size_t eq = entry.find('=');
    std::string_view name = std::string_view(entry).substr(0, eq);
    std::string_view value = eq == std::string::npos ? "" : std::string_view(entry).substr(eq + 1);
    h += "<tr><td><code>" + HtmlEscape(name) + "</code></td><td><code>" +
         (IsSecretVariable(name) ? std::string("[masked]") : HtmlEscape(value)) + "</code></td></tr>\n";
  }
  h += "</table>\n<p><small>Shown because <code>CppCgiErrorPage On</code> is set for this directory. "
       "Turn it off in production.</small></p>\n</body></html>\n";
  return h;
}

}  // namespace cppcgi
