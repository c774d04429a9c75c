# SPDX-License-Identifier: Apache-2.0
"""Real CGI programs from Debian packages, end to end."""

import hashlib
import io
import os
import pwd
import subprocess
import tarfile
import uuid

import pytest

from conftest import missing_program, serve
from httpd_server import ALARMING

GIT_BACKEND = "/usr/lib/git-core/git-http-backend"
GITWEB_CONF = "/etc/apache2/conf-available/gitweb.conf"  # Debian's gitweb package
CGIT_CONF = "/etc/apache2/conf-available/cgit.conf"  # Debian's cgit package


def need(path, package):
    if not os.path.exists(path):
        missing_program(f"{path} is missing: tests/install-deps.sh installs the package {package}")


def no_alarming_lines(srv, mark):
    bad = [line for line in srv.log_since(mark).splitlines() if ALARMING.search(line)]
    assert not bad, "unexpected error-log lines:\n" + "\n".join(bad)


def test_cgi_fieldstorage_urlencoded(server):
    status, _, body = server.request("POST", "/cgi-bin/fieldstorage.py", body="name=Ada+Lovelace&n=42",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    assert body.decode().splitlines() == ["n: 42", "name: Ada Lovelace"]


def test_cgi_fieldstorage_multipart_upload(server):
    upload = os.urandom(1024 * 1024)
    boundary = uuid.uuid4().hex
    parts = [
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nreport\r\n".encode(),
        (f"--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"data.bin\"\r\n"
         "Content-Type: application/octet-stream\r\n\r\n").encode() + upload + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    status, _, body = server.request("POST", "/cgi-bin/fieldstorage.py", body=b"".join(parts),
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 200
    assert body.decode().splitlines() == [
        "title: report",
        f"upload: file data.bin {len(upload)} {hashlib.sha256(upload).hexdigest()}",
    ]


def _give_to_server_user(tree):
    """git refuses a repository its user does not own ("dubious ownership")."""
    if os.geteuid() != 0:
        return
    www = pwd.getpwnam("www-data")
    for dirpath, dirs, files in os.walk(tree):
        for name in [dirpath] + [os.path.join(dirpath, n) for n in dirs + files]:
            os.chown(name, www.pw_uid, www.pw_gid)


def _git(*args, cwd=None, env=None):
    base = {"HOME": "/tmp", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": os.environ["PATH"],
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    base.update(env or {})
    return subprocess.run(["git", "-c", "safe.directory=*", "-c", "init.defaultBranch=main", *args],
                          cwd=cwd, env=base, capture_output=True, text=True, timeout=120, check=True)


def test_git_http_backend_clone_and_chunked_push(fresh_server):
    need(GIT_BACKEND, "git")
    srv = fresh_server(extra_conf="")
    root = srv.root
    srv.extra_conf += f"""
SetEnv GIT_PROJECT_ROOT "{root}/git"
SetEnv GIT_HTTP_EXPORT_ALL 1
ScriptAlias /git/ "{GIT_BACKEND}/"
<Directory "/usr/lib/git-core">
  Require all granted
</Directory>
"""
    # A bare repository with one commit, writable by the server's user.
    os.makedirs(srv.path("git"), mode=0o755)
    bare = srv.path("git", "repo.git")
    work = srv.path("seed")
    _git("init", "-q", "--bare", bare)
    _git("config", "http.receivepack", "true", cwd=bare)
    _git("init", "-q", work)
    with open(os.path.join(work, "README"), "w") as f:
        f.write("hello over CGI\n")
    _git("add", "README", cwd=work)
    _git("commit", "-q", "-m", "first", cwd=work)
    _git("push", "-q", bare, "HEAD:main", cwd=work)
    _give_to_server_user(bare)
    srv.start()
    url = f"http://127.0.0.1:{srv.port}/git/repo.git"

    clone = srv.path("clone")
    _git("clone", "-q", url, clone)
    assert open(os.path.join(clone, "README")).read() == "hello over CGI\n"

    # A 2 MiB commit, pushed with a tiny postBuffer: git sends it chunked.
    with open(os.path.join(clone, "blob.bin"), "wb") as f:
        f.write(os.urandom(2 * 1024 * 1024))
    _git("add", "blob.bin", cwd=clone)
    _git("commit", "-q", "-m", "big", cwd=clone)
    pushed = _git("-c", "http.postBuffer=65536", "push", "origin", "HEAD:main", cwd=clone,
                  env={"GIT_TRACE_CURL": "1", "GIT_TRACE_CURL_NO_DATA": "1"})
    assert "Transfer-Encoding: chunked" in pushed.stderr
    head = _git("rev-parse", "HEAD", cwd=clone).stdout.strip()
    assert _git("rev-parse", "main", cwd=bare).stdout.strip() == head
    _git("fsck", "--strict", cwd=bare)


PHP_CGI = "/usr/lib/cgi-bin/php8.2"  # Debian's php8.2-cgi


@pytest.mark.expect_log("CPPCGI0009", "CPPCGI0022")
def test_php_cgi_through_action_as_debian_sets_it_up(fresh_server):
    # Debian's php8.2-cgi.conf, with mod_actions: .php files get a handler
    # that Action maps to the php-cgi binary under a ScriptAlias. The request
    # is internally redirected to it, so php-cgi sees REDIRECT_STATUS (its
    # cgi.force_redirect check) and PATH_TRANSLATED (the page to run).
    need(PHP_CGI, "php-cgi")
    from httpd_server import MODULES_DIR
    srv = fresh_server(extra_conf="")
    docs = srv.add_dir("phpdocs")
    with open(os.path.join(docs, "form.php"), "w") as f:
        f.write('<?php header("X-Php: yes"); echo "sum=", 2 + 3, " q=", $_GET["q"] ?? "-", '
                '" name=", $_POST["name"] ?? "-", " via=", $_SERVER["REDIRECT_URL"] ?? "-", "\\n";\n')
    os.chmod(os.path.join(docs, "form.php"), 0o644)
    srv.extra_conf += f"""
LoadModule actions_module "{MODULES_DIR}/mod_actions.so"
ScriptAlias /php-cgi-bin/ "/usr/lib/cgi-bin/"
<Directory "/usr/lib/cgi-bin">
  Require all granted
</Directory>
Alias /php/ "{docs}/"
<FilesMatch ".+\\.php$">
  SetHandler application/x-httpd-php
</FilesMatch>
Action application/x-httpd-php /php-cgi-bin/php8.2
"""
    srv.start()
    status, headers, body = srv.get("/php/form.php?q=abc")
    assert status == 200, body
    assert headers.get("x-php") == "yes"
    assert body == b"sum=5 q=abc name=- via=/php/form.php\n"
    status, _, body = srv.request("POST", "/php/form.php", body="name=Ada",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and body == b"sum=5 q=- name=Ada via=/php/form.php\n", body
    # CVE-2012-1823: "?-s" would be php-cgi's option to print the source.
    mark = srv.log_mark()
    status, _, body = srv.get("/php/form.php?-s")
    assert status == 400 and b"<?php" not in body
    assert "CPPCGI0022: " in srv.log_since(mark)
    # Called directly, without the redirect, php-cgi refuses by itself
    # (force_redirect) with a "Security Alert!" page and no headers: a 500
    # whose log line names the binary and quotes the start of that page.
    mark = srv.log_mark()
    status, _, body = srv.get("/php-cgi-bin/php8.2")
    assert status == 500 and b"sum=" not in body
    log = srv.log_since(mark)
    assert "CPPCGI0009: " in log and PHP_CGI in log and "Security Alert" in log, log


# gitweb (Perl, CGI.pm) and cgit (C) with the Apache configuration files their
# Debian packages install, included as they are. gitweb.conf enables /gitweb
# only inside <IfModule mod_cgi.c> / <IfModule mod_cgid.c>: mod_cppcgi has to
# make those true. Each program reads its own configuration from a variable
# set with SetEnv, here pointing at a repository made by the test.
README_TEXT = "hello from gitweb and cgit\n"
SUBJECT = "first commit subject"

GIT_WEB_CONF = """
DirectoryIndex index.html index.cgi
Include {gitweb}
Include {cgit}
SetEnv GITWEB_CONFIG "{{root}}/gitweb.conf"
SetEnv CGIT_CONFIG "{{root}}/cgitrc"
<Directory /usr/share/gitweb>
  Require all granted
</Directory>
<Directory /usr/share/cgit>
  Require all granted
</Directory>
""".format(gitweb=GITWEB_CONF, cgit=CGIT_CONF)


def _make_repository(srv):
    root = srv.root
    os.makedirs(srv.path("git"), mode=0o755)
    bare, work = srv.path("git", "demo.git"), srv.path("seed")
    _git("init", "-q", "--bare", bare)
    _git("init", "-q", work)
    with open(os.path.join(work, "README"), "w") as f:
        f.write(README_TEXT)
    _git("add", "README", cwd=work)
    _git("commit", "-q", "-m", SUBJECT, cwd=work)
    _git("push", "-q", bare, "HEAD:main", cwd=work)
    _git("symbolic-ref", "HEAD", "refs/heads/main", cwd=bare)
    _git("update-server-info", cwd=bare)  # for cgit's dumb-HTTP clone
    with open(os.path.join(bare, "description"), "w") as f:
        f.write("demo repository\n")
    _give_to_server_user(bare)
    with open(srv.path("gitweb.conf"), "w") as f:
        f.write(f'$projectroot = "{root}/git";\n$git_temp = "/tmp";\n')
    with open(srv.path("cgitrc"), "w") as f:
        f.write("css=/cgit-css/cgit.css\nlogo=/cgit-css/cgit.png\ncache-size=0\nsnapshots=tar.gz\n"
                f"scan-path={root}/git\n")


@pytest.fixture(scope="module")
def git_web_server():
    need(GITWEB_CONF, "gitweb")
    need(CGIT_CONF, "cgit")
    yield from serve(GIT_WEB_CONF, setup=_make_repository)


def _readme_from_tar_gz(data, member):
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.extractfile(member).read().decode()


def test_gitweb_with_debians_conf_lists_and_summarises_the_project(git_web_server):
    srv = git_web_server
    mark = srv.log_mark()
    status, headers, body = srv.get("/gitweb/")
    assert status == 200, body[:500]
    assert headers["content-type"].startswith("text/html")
    assert b"demo.git" in body and b"demo repository" in body
    status, _, body = srv.get("/gitweb/?p=demo.git;a=summary")
    assert status == 200 and SUBJECT.encode() in body
    no_alarming_lines(srv, mark)


def test_gitweb_raw_file_by_query_and_by_path_info(git_web_server):
    srv = git_web_server
    for path in ("/gitweb/?p=demo.git;a=blob_plain;f=README;hb=HEAD",
                 "/gitweb/gitweb.cgi/demo.git/blob_plain/HEAD:/README"):  # PATH_INFO=/demo.git/...
        status, headers, body = srv.get(path)
        assert status == 200, (path, body[:300])
        assert headers["content-type"].startswith("text/plain")
        assert body == README_TEXT.encode()


def test_gitweb_snapshot_is_a_whole_tar_gz(git_web_server):
    # gitweb pipes `git archive` through gzip: a binary body from a pipeline.
    status, headers, body = git_web_server.get("/gitweb/?p=demo.git;a=snapshot;h=HEAD;sf=tgz")
    assert status == 200, body[:300]
    assert headers["content-type"].startswith("application/x-gzip")
    name = headers["content-disposition"].split('filename="')[1].rstrip('"')
    assert _readme_from_tar_gz(body, name[:-len(".tar.gz")] + "/README") == README_TEXT


def test_gitweb_unknown_project_keeps_its_own_404(git_web_server):
    srv = git_web_server
    mark = srv.log_mark()
    status, _, body = srv.get("/gitweb/?p=nope.git;a=summary")
    assert status == 404 and b"No such project" in body
    no_alarming_lines(srv, mark)


def test_cgit_with_debians_conf_index_plain_file_and_404(git_web_server):
    srv = git_web_server
    mark = srv.log_mark()
    status, _, body = srv.get("/cgit/")  # ScriptAlias /cgit/ to the binary: the rest is PATH_INFO
    assert status == 200 and b"demo.git" in body and b"demo repository" in body
    status, _, body = srv.get("/cgit/demo.git/commit/")
    assert status == 200 and SUBJECT.encode() in body
    status, headers, body = srv.get("/cgit/demo.git/plain/README")
    assert status == 200 and body == README_TEXT.encode()
    status, _, body = srv.get("/cgit/nope.git/")
    assert status == 404, body[:300]
    no_alarming_lines(srv, mark)


def test_cgit_etag_gets_a_304_as_under_mod_cgi(git_web_server):
    # The script's ETag is weighed against If-None-Match by httpd after the
    # script's headers (mod_cgi does the same): 304, no body.
    srv = git_web_server
    status, headers, _ = srv.get("/cgit/demo.git/plain/README")
    etag = headers["etag"]
    status, headers, body = srv.get("/cgit/demo.git/plain/README", headers={"If-None-Match": etag})
    assert status == 304 and body == b""
    status, _, body = srv.get("/cgit/demo.git/plain/README", headers={"If-None-Match": '"other"'})
    assert status == 200 and body == README_TEXT.encode()


def test_cgit_snapshot_and_dumb_http_clone(git_web_server):
    srv = git_web_server
    status, headers, body = srv.get("/cgit/demo.git/snapshot/demo-main.tar.gz")
    assert status == 200, body[:300]
    assert _readme_from_tar_gz(body, "demo-main/README") == README_TEXT
    clone = srv.path("cgit-clone")
    _git("clone", "-q", f"http://127.0.0.1:{srv.port}/cgit/demo.git", clone)
    assert open(os.path.join(clone, "README")).read() == README_TEXT
    assert _git("log", "-1", "--format=%s", cwd=clone).stdout.strip() == SUBJECT
