// SPDX-License-Identifier: Apache-2.0
#include "core/suexec_policy.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "proc/suexec_wrapper.h"

namespace cppcgi {
namespace {

// What Debian 12's apache2-suexec-pristine prints for `suexec -V`.
constexpr const char* kDebian =
    " -D AP_DOC_ROOT=\"/var/www\"\n -D AP_GID_MIN=100\n -D AP_HTTPD_USER=\"www-data\"\n"
    " -D AP_LOG_EXEC=\"/var/log/apache2/suexec.log\"\n -D AP_SAFE_PATH=\"/usr/local/bin:/usr/bin:/bin\"\n"
    " -D AP_UID_MIN=100\n -D AP_USERDIR_SUFFIX=\"public_html\"\n";

TEST(SuexecSettings, ReadsWhatTheWrapperSays) {
  auto s = ParseSuexecSettings(kDebian);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->doc_root, "/var/www");
  EXPECT_EQ(s->min_uid, 100u);
  EXPECT_EQ(s->min_gid, 100u);
  EXPECT_EQ(s->userdir_suffix, "public_html");
  auto custom = ParseSuexecSettings(" -D AP_DOC_ROOT=\"/srv/sites\"\r\n -D AP_UID_MIN=1000\n -D AP_GID_MIN=x\n");
  ASSERT_TRUE(custom.has_value());
  EXPECT_EQ(custom->doc_root, "/srv/sites");
  EXPECT_EQ(custom->min_uid, 1000u);
  EXPECT_EQ(custom->min_gid, 100u);  // not a number: the default stays
}

TEST(SuexecSettings, AnAnswerWithoutItsSettingsIsNone) {
  EXPECT_FALSE(ParseSuexecSettings("").has_value());
  EXPECT_FALSE(ParseSuexecSettings("usage: suexec uid gid command\n").has_value());
  EXPECT_FALSE(ParseSuexecSettings(" -D AP_DOC_ROOT=relative\n -D AP_UID_MIN=99999999999\n").has_value());
}

TEST(SuexecLimits, IdsAndRootByWholeComponents) {
  SuexecLimits limits{100, 100, "/var/www"};
  SuexecTarget site{1001, 1001, false};
  EXPECT_FALSE(CheckSuexecLimits("/var/www/a/x.cgi", "/var/www/a", site, limits).has_value());
  EXPECT_FALSE(CheckSuexecLimits("/var/www/x.cgi", "/var/www", site, limits).has_value());
  auto outside = CheckSuexecLimits("/var/www2/x.cgi", "/var/www2", site, limits);  // the wrapper lets this by
  ASSERT_TRUE(outside.has_value());
  EXPECT_EQ(outside->id, CheckId::kSuexecOutsideRoot);
  EXPECT_NE(outside->problem.find("/var/www2 is not under the wrapper's document root /var/www"), std::string::npos);
  EXPECT_NE(outside->fix.find("/var/www"), std::string::npos);
  auto low = CheckSuexecLimits("/var/www/x.cgi", "/var/www", SuexecTarget{65, 1001, false}, limits);
  ASSERT_TRUE(low.has_value());
  EXPECT_EQ(low->id, CheckId::kSuexecLowId);
  EXPECT_EQ(CheckSuexecLimits("/var/www/x.cgi", "/var/www", SuexecTarget{1001, 50, false}, limits)->id,
            CheckId::kSuexecLowId);
  EXPECT_FALSE(CheckSuexecLimits("/x.cgi", "/", SuexecTarget{0, 0, false}, limits).has_value());  // CPPCGI0323's
  EXPECT_FALSE(CheckSuexecLimits("/srv/x.cgi", "", site, limits).has_value());  // where it is is not known
  SuexecLimits anywhere{100, 100, "/"};
  EXPECT_FALSE(CheckSuexecLimits("/srv/x.cgi", "/srv", site, anywhere).has_value());
  auto userdir = CheckSuexecLimits("/home/ann/x.cgi", "/home/ann", SuexecTarget{1001, 1001, true},
                                   SuexecLimits{100, 100, "/home/ann/public_html"});
  ASSERT_TRUE(userdir.has_value());
  EXPECT_NE(userdir->problem.find("the user's UserDir /home/ann/public_html"), std::string::npos);
}

TEST(SuexecEnvironment, WhatTheWrapperPassesOn) {
  std::vector<std::string> env = {"PATH=/home/x/bin",      "HTTP_HOST=a",      "HTTP_PROXY=evil:1",
                                  "SSL_CIPHER=x",          "QUERY_STRING=q=1", "LD_PRELOAD=/tmp/x.so",
                                  "MY_APP_CONFIG=/etc/a",  "SCRIPT_NAME=/x",   "REMOTE_ADDRESS=no",
                                  "TZ=UTC"};
  EXPECT_EQ(SuexecEnvironment(env, "/usr/bin:/bin"),
            (std::vector<std::string>{"PATH=/usr/bin:/bin", "HTTP_HOST=a", "SSL_CIPHER=x", "QUERY_STRING=q=1",
                                      "SCRIPT_NAME=/x", "TZ=UTC"}));
  std::vector<std::string> many(400, "HTTP_X=1");
  EXPECT_EQ(SuexecEnvironment(many, "/bin").size(), 255u);
  EXPECT_EQ(ParseSuexecSettings(kDebian)->safe_path, "/usr/local/bin:/usr/bin:/bin");
}

// The wrapper is asked as a program: a stand-in that answers on stderr, as it does.
TEST(AskSuexecSettings, ReadsTheAnswerFromStderrAndWaitsForTheExit) {
  char dir[] = "/tmp/cppcgi-suexec-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string fake = std::string(dir) + "/suexec";
  FILE* f = std::fopen(fake.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("#!/bin/sh\n[ \"$1\" = -V ] || exit 1\necho 'not this' \nprintf ' -D AP_DOC_ROOT=\"/srv\"\\n -D "
             "AP_UID_MIN=500\\n' >&2\n",
             f);
  std::fclose(f);
  chmod(fake.c_str(), 0755);
  auto said = AskSuexecSettings(fake, 5000);
  ASSERT_TRUE(said.ok()) << said.status().ToString();
  auto s = ParseSuexecSettings(*said);
  ASSERT_TRUE(s.has_value()) << *said;
  EXPECT_EQ(s->doc_root, "/srv");
  EXPECT_EQ(s->min_uid, 500u);

  f = std::fopen(fake.c_str(), "w");
  std::fputs("#!/bin/sh\nexit 103\n", f);
  std::fclose(f);
  auto refused = AskSuexecSettings(fake, 5000);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("exit status 103"), std::string::npos);

  f = std::fopen(fake.c_str(), "w");
  std::fputs("#!/bin/sh\nexec sleep 30\n", f);
  std::fclose(f);
  auto silent = AskSuexecSettings(fake, 200);
  EXPECT_FALSE(silent.ok());
  EXPECT_NE(silent.status().message().find("did not answer within 200 ms"), std::string::npos);
  unlink(fake.c_str());
  rmdir(dir);
}

TEST(SuexecLimitsFor, ResolvesTheRootsLinks) {
  char dir[] = "/tmp/cppcgi-root-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string real = std::string(dir) + "/real", link = std::string(dir) + "/www";
  ASSERT_EQ(mkdir(real.c_str(), 0755), 0);
  ASSERT_EQ(symlink("real", link.c_str()), 0);
  SuexecSettings settings;
  settings.doc_root = link;  // as the wrapper's getcwd() will see it: resolved
  auto limits = SuexecLimitsFor(settings, SuexecTarget{1000, 1000, false});
  unlink(link.c_str());
  rmdir(real.c_str());
  rmdir(dir);
  ASSERT_TRUE(limits.has_value());
  EXPECT_EQ(limits->root, real);
  settings.doc_root = "/nonexistent/root";
  EXPECT_FALSE(SuexecLimitsFor(settings, SuexecTarget{1000, 1000, false}).has_value());
}

}  // namespace
}  // namespace cppcgi
