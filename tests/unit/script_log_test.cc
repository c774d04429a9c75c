// SPDX-License-Identifier: Apache-2.0
#include "core/script_log.h"

#include <gtest/gtest.h>

namespace cppcgi {
namespace {

ScriptLogHead Head(int status) {
  return ScriptLogHead{"Wed Jun 19 10:53:21 1996", "POST", "/cgi-bin/x.py?a=1", "HTTP/1.1", status, "/srv/x.py"};
}

TEST(ScriptLogTest, ErrorEntryIsModCgisFormat) {
  EXPECT_EQ(FormatScriptLogError(Head(404), "script not found or unable to stat"),
            "%% [Wed Jun 19 10:53:21 1996] POST /cgi-bin/x.py?a=1 HTTP/1.1\n"
            "%% 404 /srv/x.py\n"
            "%error\n"
            "script not found or unable to stat\n");
}

TEST(ScriptLogTest, RunEntryHasEachSectionOnlyWhenThereIsSomethingToSay) {
  ScriptLogRun run;
  run.request_headers = {{"Host", "h"}, {"Content-Length", "3"}};
  run.body = "a=1";
  run.failure = "End of script output before headers";
  run.stderr_text = "oops\n";
  EXPECT_EQ(FormatScriptLogRun(Head(500), run),
            "%% [Wed Jun 19 10:53:21 1996] POST /cgi-bin/x.py?a=1 HTTP/1.1\n"
            "%% 500 /srv/x.py\n"
            "%request\nHost: h\nContent-Length: 3\n\na=1\n"
            "%response\nEnd of script output before headers\n"
            "%stderr\noops\n\n");
  run.body.clear();
  run.stderr_text.clear();
  run.stdout_text = "Content-Type: text/plain\nno colon\n" + std::string(1024, 'x');
  std::string entry = FormatScriptLogRun(Head(500), run);
  EXPECT_NE(entry.find("Content-Length: 3\n%response\n"), std::string::npos) << entry;
  // All of it, as it came, then a line break (mod_cgi's format).
  EXPECT_NE(entry.find("%stdout\nContent-Type: text/plain\nno colon\n" + std::string(1024, 'x') + "\n"),
            std::string::npos)
      << entry;
  EXPECT_EQ(entry.find("%stderr"), std::string::npos);
}

TEST(ScriptLogTest, TheBodyOfAPostOrPutUpToANulByte) {
  ScriptLogRun run;
  run.body = std::string("a=1\0rest", 8);
  EXPECT_NE(FormatScriptLogRun(Head(500), run).find("\n\na=1\n%response"), std::string::npos);
  ScriptLogHead get = Head(500);
  get.method = "GET";
  EXPECT_EQ(FormatScriptLogRun(get, run).find("\n\na=1"), std::string::npos);  // mod_cgi: POST and PUT only
}

TEST(ScriptLogTest, ALineBreakInAValueCannotForgeTheLogsSyntax) {
  ScriptLogRun run;
  run.request_headers = {{"X", "a\r\n%% 200 /forged"}};
  run.stderr_text = "x\n%stdout\n";
  run.stdout_text = "%% [forged]\r%stderr";
  ScriptLogHead head = Head(500);
  head.uri = "/a\nb";
  std::string entry = FormatScriptLogRun(head, run);
  EXPECT_NE(entry.find("X: a  %% 200 /forged\n"), std::string::npos) << entry;
  EXPECT_NE(entry.find("POST /a b HTTP/1.1\n"), std::string::npos) << entry;
  EXPECT_NE(entry.find("%stderr\nx\n %stdout\n"), std::string::npos) << entry;
  EXPECT_NE(entry.find("%stdout\n %% [forged]\r %stderr\n"), std::string::npos) << entry;
}

TEST(ScriptLogTest, RoomUntilTheFileIsLargerThanTheLimit) {
  EXPECT_TRUE(ScriptLogHasRoom(0, 100));
  EXPECT_TRUE(ScriptLogHasRoom(100, 100));
  EXPECT_FALSE(ScriptLogHasRoom(101, 100));
  EXPECT_TRUE(ScriptLogHasRoom(0, 0));
}

}  // namespace
}  // namespace cppcgi
