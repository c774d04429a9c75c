# SPDX-License-Identifier: Apache-2.0
"""CppCgiErrorPage: the developer page, only where it is on; CppCgiStderrLimit."""

import os

import pytest

EP_CONF = """
ScriptAlias /dev-cgi/ "{root}/dev-cgi/"
ScriptAlias /quiet/ "{root}/quiet/"
<Directory "{root}/dev-cgi">
  CppCgiErrorPage On
  CppCgiIdleTimeout 1
</Directory>
<Directory "{root}/quiet">
  CppCgiStderrLimit 100
</Directory>
"""
PAGE_MARK = b"the CGI script did not run correctly"


def _ep_setup(srv):
    with open(srv.path("dev-cgi", "crlf.cgi"), "w", newline="") as f:
        f.write("#!/bin/sh\r\necho hi\r\n")
    os.chmod(srv.path("dev-cgi", "crlf.cgi"), 0o755)


@pytest.fixture(scope="module")
def ep_server():
    from conftest import serve
    yield from serve(EP_CONF, script_dirs=("dev-cgi", "quiet"), setup=_ep_setup)


@pytest.mark.expect_log("CPPCGI0001", "CPPCGI0008")
def test_page_for_a_script_that_fails_before_headers(ep_server):
    status, headers, body = ep_server.get("/dev-cgi/fails.sh?x=1", headers={"Cookie": "session=s3cr3t",
                                                                            "Authorization": "Basic eHk="})
    assert status == 500
    assert headers["content-type"] == "text/html; charset=utf-8"
    text = body.decode()
    assert PAGE_MARK.decode() in text
    assert "End of script output before headers" in text
    assert "exited with status 3" in text
    assert "ZeroDivisionError: division by zero &lt;&amp;&gt;" in text
    assert "QUERY_STRING</code></td><td><code>x=1" in text
    assert "s3cr3t" not in text and "eHk=" not in text


@pytest.mark.expect_log("CPPCGI0307")
def test_page_for_a_refused_script_names_check_and_fix(ep_server):
    status, _, body = ep_server.get("/dev-cgi/crlf.cgi")
    assert status == 500
    text = body.decode()
    assert "CPPCGI0307" in text and "Windows line endings" in text and "dos2unix" in text


@pytest.mark.expect_log("CPPCGI0010")
def test_page_for_a_timeout(ep_server):
    status, _, body = ep_server.get("/dev-cgi/silent.sh")
    assert status == 504
    assert b"CppCgiIdleTimeout" in body


@pytest.mark.expect_log("CPPCGI0001", "CPPCGI0008", "CPPCGI0010")
def test_never_shown_where_it_is_off(ep_server):
    for path in ("/cgi-bin/fails.sh", "/cgi-bin/noheaders.sh", "/slow/silent.sh"):
        status, _, body = ep_server.get(path)
        assert status in (500, 504)
        assert PAGE_MARK not in body and b"ZeroDivisionError" not in body


@pytest.mark.expect_log("CPPCGI0001")
def test_stderr_limit(ep_server):
    mark = ep_server.log_mark()
    status, _, body = ep_server.get("/quiet/noisy.sh")
    assert status == 200 and body == b"ok\n"
    log = ep_server.wait_for_log(mark, r"CPPCGI0020: stderr of .*noisy\.sh reached CppCgiStderrLimit \(100 bytes\)")
    logged = [l for l in log.splitlines() if "CPPCGI0001" in l]
    assert 1 <= len(logged) <= 8, logged
    mark = ep_server.log_mark()
    assert ep_server.get("/cgi-bin/noisy.sh")[0] == 200  # elsewhere the default (1 MiB) logs all 50
    log = ep_server.wait_for_log(mark, r"noise line 49")
    assert len([l for l in log.splitlines() if "CPPCGI0001" in l]) == 50, log


HT_CONF = """
ScriptAlias /ht/ "{root}/ht/"
ScriptAlias /ht-none/ "{root}/ht-none/"
<Directory "{root}/ht">
  AllowOverride Options
</Directory>
<Directory "{root}/ht-none">
  AllowOverride None
</Directory>
"""


@pytest.mark.expect_log("CPPCGI0001", "CPPCGI0008")
@pytest.mark.expect_log("CppCgiPermissionCheck not allowed here")
def test_htaccess_override_class(fresh_server):
    from conftest import HERE
    srv = fresh_server()
    for d in ("ht", "ht-none"):
        srv.add_dir(d, os.path.join(HERE, "scripts"))
        with open(srv.path(d, ".htaccess"), "w") as f:
            f.write("CppCgiErrorPage On\n")
    srv.extra_conf += HT_CONF.format(root=srv.root)
    srv.start()
    assert PAGE_MARK in srv.get("/ht/fails.sh")[2]          # allowed with AllowOverride Options
    assert PAGE_MARK not in srv.get("/ht-none/fails.sh")[2]  # .htaccess not read at all
    # Policy directives are not for .htaccess: the request fails, the log says why.
    with open(srv.path("ht", ".htaccess"), "w") as f:
        f.write("CppCgiPermissionCheck Off\n")
    mark = srv.log_mark()
    assert srv.get("/ht/env.py")[0] == 500
    srv.wait_for_log(mark, r"CppCgiPermissionCheck not allowed here")
