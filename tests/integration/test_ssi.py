# SPDX-License-Identifier: Apache-2.0
"""SSI <!--#exec cgi/cmd --> through mod_include, as with mod_cgi."""


import pytest


SSI_CONF = """
LoadModule include_module "{modules}/mod_include.so"
Alias /ssi/ "{root}/ssi/"
Alias /ssi-noexec/ "{root}/ssi-noexec/"
<Directory "{root}/ssi">
  Options +Includes
  AddOutputFilter INCLUDES .shtml
  AddType text/html .shtml
</Directory>
<Directory "{root}/ssi-noexec">
  Options +IncludesNOEXEC
  AddOutputFilter INCLUDES .shtml
  AddType text/html .shtml
</Directory>
"""

PAGE = """<p>before</p>
<!--#exec cgi="/cgi-bin/hello-ssi.sh" -->
<!--#exec cmd="echo cmd-ran in $(pwd); cat; echo stdin-closed" -->
<p>after</p>
"""


def _ssi_setup(srv):
    for d in ("ssi", "ssi-noexec"):
        with open(srv.path(d, "page.shtml"), "w") as f:
            f.write(PAGE)
    srv.write_script("cgi-bin/hello-ssi.sh", "#!/bin/sh\nprintf 'Content-Type: text/plain\\n\\ncgi-ran q=%s\\n' "
                                             "\"$QUERY_STRING\"\n")


@pytest.fixture(scope="module")
def ssi_server():
    from conftest import serve
    yield from serve(SSI_CONF, empty_dirs=("ssi", "ssi-noexec"), setup=_ssi_setup)


def test_exec_cgi_and_cmd(ssi_server):
    import time
    start = time.time()
    status, _, body = ssi_server.get("/ssi/page.shtml")
    assert time.time() - start < 5
    assert status == 200
    text = body.decode()
    assert text.index("before") < text.index("cgi-ran q=") < text.index("cmd-ran in") < text.index("after"), text
    assert f"cmd-ran in {ssi_server.path('ssi')}" in text
    assert "stdin-closed" in text  # a command reading stdin gets EOF at once


def test_exec_cmd_never_gets_the_query_string(ssi_server):
    # CVE-2025-58098 (mod_cgid appended the query string to exec cmd).
    status, _, body = ssi_server.get("/ssi/page.shtml?;echo%20INJECTED")
    assert status == 200
    text = body.decode()
    assert "INJECTED" not in text.replace("q=;echo%20INJECTED", "")
    assert "cgi-ran q=;echo%20INJECTED" in text  # exec cgi sees the page's query, as with mod_cgi


def test_includes_noexec_refuses_exec(ssi_server):
    mark = ssi_server.log_mark()
    status, _, body = ssi_server.get("/ssi-noexec/page.shtml")
    assert status == 200
    text = body.decode()
    assert "cgi-ran" not in text and "cmd-ran" not in text
    assert "an error occurred while processing this directive" in text
    ssi_server.wait_for_log(mark, r"CPPCGI0019: exec used but not allowed in .*page\.shtml")


def test_nph_script_cannot_be_included(ssi_server):
    with open(ssi_server.path("ssi", "nph.shtml"), "w") as f:
        f.write('<!--#exec cgi="/cgi-bin/nph-raw.sh" -->\n')
    mark = ssi_server.log_mark()
    status, _, body = ssi_server.get("/ssi/nph.shtml")
    assert status == 200 and b"nph body" not in body
    ssi_server.wait_for_log(mark, r"CPPCGI0019: attempt to include the nph- script .*nph-raw\.sh")
