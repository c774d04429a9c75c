// SPDX-License-Identifier: Apache-2.0
// What the suEXEC wrapper will hold a script to, asked of the wrapper itself:
// its compiled-in settings (`suexec -V`), and for one target the directory
// its scripts must be under.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "core/suexec_policy.h"

namespace cppcgi {

// Runs `wrapper -V` and returns what it printed (on stderr). The wrapper
// answers only root and its AP_HTTPD_USER; it is given timeout_ms.
StatusOr<std::string> AskSuexecSettings(const std::string& wrapper, int timeout_ms);

// The limits for `target`: the ids from the settings; the root the document
// root, or for a ~user request the user's home directory and the UserDir
// suffix, with links resolved. nullopt when the root cannot be resolved
// (the wrapper then refuses by itself, CPPCGI0024).
std::optional<SuexecLimits> SuexecLimitsFor(const SuexecSettings& settings, const SuexecTarget& target);

// Fills settings->real_doc_root (left empty if the document root cannot be
// resolved now), so that SuexecLimitsFor does not resolve it per request.
void ResolveDocRoot(SuexecSettings* settings);

}  // namespace cppcgi
