// SPDX-License-Identifier: Apache-2.0
#include "core/error_page.h"

#include <gtest/gtest.h>

namespace cppcgi {
namespace {

TEST(ErrorPageTest, EscapesAndMasks) {
  ErrorPageInfo info;
  info.status = 500;
  info.script = "/srv/cgi-bin/<x>.py";
  info.reason = "End of script output before headers & more";
  info.fix = "chmod 755 \"x\"";
  info.exit = "exited with status 1";
  info.stderr_tail = {"Traceback <module>", "ZeroDivisionError: division by zero"};
  info.env = {"HTTP_COOKIE=session=abc", "HTTP_AUTHORIZATION=Basic eHh4", "DB_PASSWORD=hunter2",
              "API_TOKEN=t0k", "QUERY_STRING=a=<b>", "REQUEST_METHOD=GET"};
  std::string page = RenderErrorPage(info);
  EXPECT_NE(page.find("/srv/cgi-bin/&lt;x&gt;.py"), std::string::npos);
  EXPECT_NE(page.find("before headers &amp; more"), std::string::npos);
  EXPECT_NE(page.find("chmod 755 &quot;x&quot;"), std::string::npos);
  EXPECT_NE(page.find("exited with status 1"), std::string::npos);
  EXPECT_NE(page.find("Traceback &lt;module&gt;"), std::string::npos);
  EXPECT_NE(page.find("a=&lt;b&gt;"), std::string::npos);
  for (const char* secret : {"session=abc", "eHh4", "hunter2", "t0k"}) {
    EXPECT_EQ(page.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(page.find("[masked]"), std::string::npos);
  EXPECT_EQ(page.find("<x>"), std::string::npos);
}

TEST(ErrorPageTest, SecretNames) {
  for (const char* n : {"HTTP_COOKIE", "http_authorization", "HTTP_PROXY_AUTHORIZATION", "MY_SECRET", "AWS_ACCESS_KEY_ID",
                        "PGPASSWORD", "SESSION_ID"}) {
    EXPECT_TRUE(IsSecretVariable(n)) << n;
  }
  for (const char* n : {"QUERY_STRING", "HTTP_USER_AGENT", "REMOTE_ADDR", "PATH"}) {
    EXPECT_FALSE(IsSecretVariable(n)) << n;
  }
}

TEST(ErrorPageTest, ControlCharactersAreNotShownRaw) {
  EXPECT_EQ(HtmlEscape("a\x1b[31mb\tc"), "a?[31mb\tc");
}

}  // namespace
}  // namespace cppcgi
