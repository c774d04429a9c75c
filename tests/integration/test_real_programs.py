"""Real CGI programs from Debian packages, end to end."""

import hashlib
import os
import pwd
import subprocess
import uuid

import pytest

GIT_BACKEND = "/usr/lib/git-core/git-http-backend"


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


def _git(*args, cwd=None, env=None):
    base = {"HOME": "/tmp", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": os.environ["PATH"],
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"}
    base.update(env or {})
    return subprocess.run(["git", "-c", "safe.directory=*", "-c", "init.defaultBranch=main", *args],
                          cwd=cwd, env=base, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.skipif(not os.path.exists(GIT_BACKEND), reason="git is not installed")
def test_git_http_backend_clone_and_chunked_push(fresh_server):
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
    if os.geteuid() == 0:
        www = pwd.getpwnam("www-data")
        for dirpath, dirs, files in os.walk(bare):
            for name in [dirpath] + [os.path.join(dirpath, n) for n in dirs + files]:
                os.chown(name, www.pw_uid, www.pw_gid)
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


@pytest.mark.skipif(not os.path.exists(PHP_CGI), reason="php-cgi is not installed")
def test_php_cgi_through_action_as_debian_sets_it_up(fresh_server):
    # Debian's php8.2-cgi.conf, with mod_actions: .php files get a handler
    # that Action maps to the php-cgi binary under a ScriptAlias. The request
    # is internally redirected to it, so php-cgi sees REDIRECT_STATUS (its
    # cgi.force_redirect check) and PATH_TRANSLATED (the page to run).
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
