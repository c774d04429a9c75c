# SPDX-License-Identifier: Apache-2.0
"""Static checks of docker/: there is no Docker engine on CI machines, so
these keep the Dockerfile and compose file honest against the repository."""

import os
import re

from httpd_server import SOURCE_DIR

DOCKERFILE = os.path.join(SOURCE_DIR, "docker", "Dockerfile")
COMPOSE = os.path.join(SOURCE_DIR, "docker", "compose.yaml")


def dockerfile_instructions():
    text = open(DOCKERFILE).read().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            yield word.upper(), rest.strip()


def test_every_copied_file_exists():
    copies = [rest.split() for word, rest in dockerfile_instructions() if word == "COPY"]
    assert copies
    checked = 0
    for args in copies:
        if any(a.startswith("--from=") for a in args):
            continue
        for src in args[:-1]:
            assert os.path.exists(os.path.join(SOURCE_DIR, src)), f"Dockerfile copies missing {src}"
            checked += 1
    assert checked >= 5


def stages():
    """The Dockerfile's stages: name -> its instructions."""
    out, current = {}, None
    for word, rest in dockerfile_instructions():
        if word == "FROM":
            current = re.search(r"\bAS\s+(\S+)", rest, re.I).group(1)
            out[current] = []
        out[current].append((word, rest))
    return out


def test_build_stage_makes_the_package_without_tests_and_runtime_installs_it():
    build = " ".join(rest for word, rest in stages()["build"] if word == "RUN")
    assert "install-deps.sh --build" in build and "-DBUILD_TESTING=OFF" in build and "cpack -G DEB" in build
    assert "run-all.sh" not in build  # the whole CI suite is not part of building the image
    runtime = stages()["runtime"]
    assert ("COPY", "--from=build /out/ /tmp/deb/") in runtime
    assert any(word == "RUN" and "/tmp/deb/libapache2-mod-cppcgi_*.deb" in rest for word, rest in runtime)


def test_pid_1_is_apache_itself():
    runtime = dict(stages()["runtime"])
    assert runtime["ENTRYPOINT"] == '["/usr/local/bin/cppcgi-entrypoint"]'
    assert "CMD" not in runtime  # no shell in between
    entry = [line for line in open(os.path.join(SOURCE_DIR, "docker", "entrypoint.sh")).read().splitlines()
             if line.strip() and not line.startswith("#")]
    assert ". /etc/apache2/envvars" in entry
    assert entry[-1] == 'exec /usr/sbin/apache2 -DFOREGROUND "$@"'
    assert runtime["STOPSIGNAL"] == "SIGWINCH"  # graceful-stop, bounded by GracefulShutdownTimeout
    assert "GracefulShutdownTimeout" in open(os.path.join(SOURCE_DIR, "docker", "container.conf")).read()


def test_no_log_of_the_image_is_a_file():
    conf = open(os.path.join(SOURCE_DIR, "docker", "container.conf")).read()
    logs = re.findall(r"^\s*(ErrorLog|CustomLog)\s+(\S+)", conf, re.M)
    assert logs and all(target in ("/dev/stdout", "/dev/stderr") for _, target in logs), logs
    assert {kind for kind, _ in logs} == {"ErrorLog", "CustomLog"}
    # What Debian's default configuration logs to files: its default site and other-vhosts-access-log.
    runs = " ".join(rest for word, rest in stages()["runtime"] if word == "RUN")
    assert "a2dissite -q 000-default" in runs and "a2disconf -q other-vhosts-access-log" in runs
    assert "a2enconf -q container" in runs


def test_health_check_asks_the_status_handler_from_localhost_only():
    health = dict(stages()["runtime"])["HEALTHCHECK"]
    assert "http://127.0.0.1/cppcgi-status" in health and "python" not in health
    conf = open(os.path.join(SOURCE_DIR, "docker", "container.conf")).read()
    location = re.search(r"<Location /cppcgi-status>(.*?)</Location>", conf, re.S).group(1)
    assert "SetHandler cppcgi-status" in location and "Require local" in location


def test_compose_targets_exist_in_dockerfile():
    stages = {m.group(1) for word, rest in dockerfile_instructions() if word == "FROM"
              for m in [re.search(r"\bAS\s+(\S+)", rest, re.I)] if m}
    targets = set(re.findall(r"^\s*target:\s*(\S+)", open(COMPOSE).read(), re.M))
    assert targets == {"runtime", "tests"}
    assert targets <= stages, (targets, stages)
    assert "CPPCGI_EXTERNAL_URL: http://server:80" in open(COMPOSE).read()
