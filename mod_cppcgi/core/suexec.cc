// SPDX-License-Identifier: Apache-2.0
#include "core/suexec.h"

namespace cppcgi {
namespace {

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string Owner(uint32_t uid, uint32_t gid) { return "uid " + std::to_string(uid) + ", gid " + std::to_string(gid); }

}  // namespace

std::vector<std::string> SuexecArgv(std::string_view wrapper, const SuexecTarget& target,
                                    std::string_view command) {
  std::string user = (target.userdir ? "~" : "") + std::to_string(target.uid);
  return {std::string(wrapper), std::move(user), std::to_string(target.gid), std::string(command)};
}

std::optional<std::string> SuexecExitReason(int exit_code) {
  switch (exit_code) {
    case 101:
      return "it was given too few arguments";
    case 102:
      return "the server's uid is not in the passwd database";
    case 103:
      return "it was called by a user other than the one it was built for (AP_HTTPD_USER)";
    case 104:
      return "the command is not a plain file name in the script's directory";
    case 105:
    case 121:
      return "the target user does not exist, or the script lacks the owner's execute bit";
    case 106:
      return "the target group does not exist";
    case 107:
      return "the target uid is root or below its minimum uid (AP_UID_MIN)";
    case 108:
      return "the target gid is root or below its minimum gid (AP_GID_MIN)";
    case 109:
    case 110:
      return "it could not switch to the target user and group";
    case 111:
      return "it could not read the working directory";
    case 112:
      return "the target user's UserDir could not be entered";
    case 113:
      return "its document root (AP_DOC_ROOT) could not be entered";
    case 114:
      return "the script is not under its document root (AP_DOC_ROOT), or for a ~user request under the user's "
             "UserDir";
    case 115:
      return "the script's directory could not be examined";
    case 116:
      return "the script's directory is writable by its group or by others";
    case 117:
      return "the script is missing or is a symbolic link";
    case 118:
      return "the script is writable by its group or by others";
    case 119:
      return "the script is setuid or setgid";
    case 120:
      return "the script or its directory is not owned by the target user and group";
    case 122:
      return "it could not close its log";
    case 123:
    case 124:
      return "it ran out of memory";
    default:
      return std::nullopt;
  }
}

std::optional<Refusal> CheckSuexecOwnership(std::string_view path, const FileFacts& script, const FileFacts& dir,
                                            const SuexecTarget& target) {
  std::string p = Quoted(path);
  if (target.uid == 0 || target.gid == 0) {
    return Refusal{CheckId::kSuexecRootTarget, 500,
                   "suEXEC would run " + p + " as " + Owner(target.uid, target.gid) + ", and it never runs scripts "
                   "as root",
                   "name an unprivileged user and group in SuexecUserGroup"};
  }
  if (script.uid != target.uid || script.gid != target.gid) {
    return Refusal{CheckId::kSuexecOwner, 403,
                   p + " is owned by " + Owner(script.uid, script.gid) + ", but suEXEC runs it as " +
                       Owner(target.uid, target.gid) + " and runs only scripts owned by that user and group",
                   "chown " + std::to_string(target.uid) + ":" + std::to_string(target.gid) + " " +
                       std::string(path)};
  }
  if (dir.uid != target.uid || dir.gid != target.gid) {
    return Refusal{CheckId::kSuexecDirOwner, 403,
                   "the directory of " + p + " is owned by " + Owner(dir.uid, dir.gid) + ", but suEXEC runs it as " +
                       Owner(target.uid, target.gid) + " and needs the directory owned by that user and group too",
                   "chown " + std::to_string(target.uid) + ":" + std::to_string(target.gid) +
                       " on the script's directory"};
  }
  return std::nullopt;
}

}  // namespace cppcgi
