# SPDX-License-Identifier: Apache-2.0
"""X-Sendfile (CppCgiXSendFile, CppCgiXSendFilePath): a script names a file
in a header and httpd sends it, with its length, Last-Modified and ETag,
ranges and conditional requests as for a static file; the script's body is
dropped and the header never reaches the client. Paths outside the allowed
directories, with "..", through a symbolic link that leads out (even one
swapped in while requests run), or unreadable by the server's user are
refused with an id that names the path and the directories."""

import gzip
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time

import pytest

from conftest import MPM
from waits import wait_until

GIB = 1 << 30
# Bytes written into the sparse file at these offsets; everything else is zeros.
SAMPLES = {0: b"first-16-bytes!!", GIB // 2: b"the-middle-bytes", GIB - 16: b"last-sixteen-by!"}

SEND_SH = r"""#!/bin/sh
printf 'Content-Type: %s\r\nX-Extra: kept\r\n' "${CT:-application/octet-stream}"
printf '%s: %s\r\n\r\n' "${HEADER:-X-Sendfile}" "$QUERY_STRING"
echo SCRIPTBODY
"""

CONF = """
LoadModule deflate_module {modules}/mod_deflate.so
LoadModule filter_module {modules}/mod_filter.so
ScriptAlias /xs/ "{root}/xs-cgi/"
ScriptAlias /xs-off/ "{root}/xs-cgi/"
<Directory "{root}/xs-cgi">
  CppCgiXSendFile On
  CppCgiXSendFilePath "{root}/files"
</Directory>
<Location /xs-off/>
  CppCgiXSendFile Off
</Location>
<Location /xs/gz/>
  AddOutputFilterByType DEFLATE text/plain
</Location>
<Location /cppcgi-status>
  SetHandler cppcgi-status
</Location>
LogFormat "%>s %{{cppcgi-sendfile}}n %U" sendfile
CustomLog "{root}/logs/sendfile.log" sendfile
"""


def _script(path, env=None):
    text = SEND_SH
    if env:
        text = text.replace("#!/bin/sh\n", "#!/bin/sh\n" + "".join(f"{k}='{v}'\n" for k, v in env.items()))
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


@pytest.fixture(scope="module")
def xs():
    from conftest import serve

    def setup(srv):
        cgi = srv.add_dir("xs-cgi")
        os.makedirs(os.path.join(cgi, "gz"))
        files = srv.add_dir("files")
        outside = srv.add_dir("outside")
        _script(os.path.join(cgi, "send.sh"))
        _script(os.path.join(cgi, "lighty.sh"), {"HEADER": "X-LIGHTTPD-send-file"})
        _script(os.path.join(cgi, "gz", "send.sh"), {"CT": "text/plain"})
        with open(os.path.join(cgi, "tagged.sh"), "w") as f:
            f.write("#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\nETag: \"from-script\"\\r\\n"
                    "Last-Modified: Mon, 01 Jan 2024 00:00:00 GMT\\r\\nX-Sendfile: %s\\r\\n\\r\\n' \"$QUERY_STRING\"\n")
        with open(os.path.join(cgi, "missing.sh"), "w") as f:
            f.write("#!/bin/sh\nprintf 'Status: 404 Not Found\\r\\nContent-Type: text/html\\r\\nX-Sendfile: %s\\r\\n\\r\\n'"
                    " \"$QUERY_STRING\"\n")
        for name in ("tagged.sh", "missing.sh"):
            os.chmod(os.path.join(cgi, name), 0o755)
        with open(os.path.join(files, "hello.txt"), "w") as f:
            f.write("hello from a file\n" * 200)
        with open(os.path.join(files, "notfound.html"), "w") as f:
            f.write("<p>no such thing</p>\n")
        with open(os.path.join(files, "big.bin"), "wb") as f:
            f.truncate(GIB)
            for off, data in SAMPLES.items():
                f.seek(off)
                f.write(data)
        with open(os.path.join(outside, "secret.txt"), "w") as f:
            f.write("SECRET\n")
        os.symlink(os.path.join(outside, "secret.txt"), os.path.join(files, "out-link"))
        os.symlink("hello.txt", os.path.join(files, "in-link"))
        with open(os.path.join(files, "private.txt"), "w") as f:
            f.write("root only\n")
        os.chmod(os.path.join(files, "private.txt"), 0o600)
        for d in (files, outside):
            os.chmod(d, 0o755)
        srv.files = files
        srv.outside = outside

    yield from serve(CONF, setup=setup)


def test_the_file_is_sent_instead_of_the_body(xs):
    path = os.path.join(xs.files, "hello.txt")
    status, headers, body = xs.get("/xs/send.sh?" + path)
    assert status == 200, body
    assert body == open(path, "rb").read()
    assert headers["content-length"] == str(os.path.getsize(path))
    assert headers["content-type"] == "application/octet-stream"
    assert headers["x-extra"] == "kept"
    assert "x-sendfile" not in headers
    # httpd's ETag for a static file (weak while the file is younger than a second).
    assert "last-modified" in headers and re.fullmatch(r'(W/)?"[0-9a-f]+-[0-9a-f]+"', headers["etag"])
    assert b"SCRIPTBODY" not in body


def test_lighttpds_header_name_works_too(xs):
    path = os.path.join(xs.files, "hello.txt")
    status, headers, body = xs.get("/xs/lighty.sh?" + path)
    assert status == 200 and body == open(path, "rb").read()
    assert "x-lighttpd-send-file" not in headers


def test_a_link_that_stays_inside_is_followed(xs):
    status, _, body = xs.get("/xs/send.sh?" + os.path.join(xs.files, "in-link"))
    assert status == 200 and body.startswith(b"hello from a file")


def test_off_leaves_the_response_as_mod_cgi_would(xs):
    path = os.path.join(xs.files, "hello.txt")
    status, headers, body = xs.get("/xs-off/send.sh?" + path)
    assert status == 200
    assert headers["x-sendfile"] == path and body == b"SCRIPTBODY\n"


def test_a_sparse_gibibyte_has_the_right_length_and_bytes(xs):
    path = "/xs/send.sh?" + os.path.join(xs.files, "big.bin")
    status, headers, _ = xs.request("HEAD", path)
    assert status == 200 and headers["content-length"] == str(GIB)
    assert headers.get("accept-ranges") == "bytes"
    # The whole body: its length, and the samples where they were written.
    c = http.client.HTTPConnection("127.0.0.1", xs.port, timeout=60)
    try:
        c.request("GET", path)
        r = c.getresponse()
        assert r.status == 200 and r.getheader("Content-Length") == str(GIB)
        got, seen = 0, {}
        while True:
            chunk = r.read(1 << 20)
            if not chunk:
                break
            for off, data in SAMPLES.items():
                if got <= off < got + len(chunk):
                    seen[off] = chunk[off - got:off - got + len(data)]
            got += len(chunk)
        assert got == GIB
        assert seen == SAMPLES
    finally:
        c.close()


@pytest.mark.parametrize("spec,start,end", [("0-15", 0, 15), (f"{GIB // 2}-{GIB // 2 + 15}", GIB // 2, GIB // 2 + 15),
                                           ("-16", GIB - 16, GIB - 1), (f"{GIB - 16}-", GIB - 16, GIB - 1)])
def test_ranges_of_the_sparse_file_are_byte_exact(xs, spec, start, end):
    status, headers, body = xs.get("/xs/send.sh?" + os.path.join(xs.files, "big.bin"),
                                   headers={"Range": f"bytes={spec}"})
    assert status == 206, headers
    assert headers["content-range"] == f"bytes {start}-{end}/{GIB}"
    assert body == SAMPLES[start]


def test_two_ranges_make_a_multipart_answer(xs):
    status, headers, body = xs.get("/xs/send.sh?" + os.path.join(xs.files, "big.bin"),
                                   headers={"Range": f"bytes=0-15,{GIB - 16}-{GIB - 1}"})
    assert status == 206 and headers["content-type"].startswith("multipart/byteranges")
    assert SAMPLES[0] in body and SAMPLES[GIB - 16] in body


def test_a_matching_etag_or_date_gives_304(xs):
    path = "/xs/send.sh?" + os.path.join(xs.files, "hello.txt")
    _, headers, _ = xs.get(path)
    status, h304, body = xs.get(path, headers={"If-None-Match": headers["etag"]})
    assert status == 304 and body == b"" and h304["etag"] == headers["etag"]
    status, _, _ = xs.get(path, headers={"If-Modified-Since": headers["last-modified"]})
    assert status == 304
    status, _, body = xs.get(path, headers={"If-None-Match": '"something-else"'})
    assert status == 200 and body.startswith(b"hello")


def test_the_scripts_own_validators_win(xs):
    path = "/xs/tagged.sh?" + os.path.join(xs.files, "hello.txt")
    status, headers, _ = xs.get(path)
    assert status == 200 and headers["etag"] == '"from-script"'
    assert headers["last-modified"] == "Mon, 01 Jan 2024 00:00:00 GMT"
    assert xs.get(path, headers={"If-None-Match": '"from-script"'})[0] == 304


def test_the_scripts_status_stays(xs):
    status, headers, body = xs.get("/xs/missing.sh?" + os.path.join(xs.files, "notfound.html"))
    assert status == 404 and body == b"<p>no such thing</p>\n"
    assert "x-sendfile" not in headers


def test_head_and_deflate(xs):
    path = os.path.join(xs.files, "hello.txt")
    status, headers, body = xs.request("HEAD", "/xs/send.sh?" + path)
    assert status == 200 and body == b"" and headers["content-length"] == str(os.path.getsize(path))
    status, headers, body = xs.get("/xs/gz/send.sh?" + path, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == open(path, "rb").read()


@pytest.mark.skipif(MPM == "prefork" or not shutil.which("curl"), reason="mod_http2 needs a threaded MPM and curl")
def test_over_http2(xs_h2):
    srv = xs_h2
    path = srv.path("files", "hello.txt")
    p = subprocess.run(["curl", "-s", "--http2-prior-knowledge", "-D", "-", "-o", "/dev/null", "-w", "%{size_download}",
                        f"http://127.0.0.1:{srv.port}/xs/send.sh?{path}"], capture_output=True, timeout=60)
    text = p.stdout.decode()
    assert text.startswith("HTTP/2 200"), text
    assert "x-sendfile" not in text.lower()
    assert text.rstrip().endswith(str(os.path.getsize(path)))


H2_CONF = """
LoadModule http2_module {modules}/mod_http2.so
Protocols h2c http/1.1
ScriptAlias /xs/ "{root}/xs-cgi/"
<Directory "{root}/xs-cgi">
  CppCgiXSendFile On
  CppCgiXSendFilePath "{root}/files"
</Directory>
"""


@pytest.fixture(scope="module")
def xs_h2():
    from conftest import serve

    def setup(srv):
        _script(os.path.join(srv.add_dir("xs-cgi"), "send.sh"))
        with open(os.path.join(srv.add_dir("files"), "hello.txt"), "w") as f:
            f.write("over h2\n" * 1000)

    yield from serve(H2_CONF, setup=setup)


@pytest.mark.expect_log("CPPCGI0032")
@pytest.mark.parametrize("name,why", [
    ("dots", "which has a '.', '..' or empty component"),
    ("absolute", "which is under none of the allowed directories"),
    ("out-link", "through a symbolic link"),
    ("private.txt", "which the server's user may not read"),
    ("dir", "which is not a regular file"),
])
def test_refusals_name_the_path_and_the_directories(xs, name, why):
    os.makedirs(os.path.join(xs.files, "dir"), exist_ok=True)
    path = {"dots": os.path.join(xs.files, "..", "outside", "secret.txt"),
            "absolute": os.path.join(xs.outside, "secret.txt")}.get(name, os.path.join(xs.files, name))
    if name == "private.txt" and os.geteuid() != 0:
        pytest.skip("needs a server user that is not the file's owner (run as root)")
    mark = xs.log_mark()
    status, headers, body = xs.get("/xs/send.sh?" + path)
    assert status == 403, body
    assert b"SECRET" not in body and b"root only" not in body
    assert "x-sendfile" not in headers
    log = xs.wait_for_log(mark, "CPPCGI0032")
    line = next(line for line in log.splitlines() if "CPPCGI0032" in line)
    assert why in line and path in line and xs.files in line and "; fix: " in line, line
    assert os.path.join(xs.root, "xs-cgi", "send.sh") in line


@pytest.mark.expect_log("CPPCGI0031")
def test_a_missing_file_is_404(xs):
    mark = xs.log_mark()
    path = os.path.join(xs.files, "nothing-here.bin")
    status, headers, _ = xs.get("/xs/send.sh?" + path)
    assert status == 404 and "x-sendfile" not in headers
    line = xs.wait_for_log(mark, "CPPCGI0031")
    assert path in line and "which does not exist" in line


@pytest.mark.expect_log("CPPCGI0032")
def test_a_link_swapped_in_while_requests_run_never_leaks(xs):
    target = os.path.join(xs.files, "swap")
    regular = os.path.join(xs.files, "swap.regular")
    link = os.path.join(xs.files, "swap.link")
    stop = threading.Event()

    def swapper():
        n = 0
        while not stop.is_set() and n < 200000:
            n += 1
            for src in (regular, link):
                if src == regular:
                    with open(src, "w") as f:
                        f.write("inside\n")
                else:
                    try:
                        os.symlink(os.path.join(xs.outside, "secret.txt"), src)
                    except FileExistsError:
                        pass
                os.rename(src, target)

    t = threading.Thread(target=swapper)
    t.start()
    outcomes = {}
    try:
        deadline = time.time() + 8
        for _ in range(300):
            if time.time() > deadline:
                break
            status, _, body = xs.get("/xs/send.sh?" + target)
            assert b"SECRET" not in body
            assert (status == 200 and body == b"inside\n") or status == 403, (status, body)
            outcomes[status] = outcomes.get(status, 0) + 1
    finally:
        stop.set()
        t.join(10)
    assert outcomes.get(200, 0) > 0 and outcomes.get(403, 0) > 0, outcomes


def test_the_status_page_and_the_request_note_count_files_sent(xs):
    before = json.loads(xs.get("/cppcgi-status?json")[2])["sendfile_responses"]
    path = os.path.join(xs.files, "hello.txt")
    assert xs.get("/xs/send.sh?" + path)[0] == 200
    after = json.loads(xs.get("/cppcgi-status?json")[2])["sendfile_responses"]
    assert after == before + 1
    # %{cppcgi-sendfile}n names the file; a script's own body leaves it empty ("-").
    assert xs.get("/xs-off/send.sh?" + path)[0] == 200
    log = xs.path("logs", "sendfile.log")
    lines = wait_until(lambda: (lambda t: t if "/xs-off/send.sh" in t else None)(open(log).read()), timeout=10)
    assert f"200 {path} /xs/send.sh" in lines, lines
    assert "200 - /xs-off/send.sh" in lines, lines
