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


def test_build_stage_runs_the_ci_command():
    runs = " ".join(rest for word, rest in dockerfile_instructions() if word == "RUN")
    assert "bash tests/run-all.sh" in runs
    ci = open(os.path.join(SOURCE_DIR, ".ci", "run")).read()
    assert "tests/run-all.sh" in ci


def test_compose_targets_exist_in_dockerfile():
    stages = {m.group(1) for word, rest in dockerfile_instructions() if word == "FROM"
              for m in [re.search(r"\bAS\s+(\S+)", rest, re.I)] if m}
    targets = set(re.findall(r"^\s*target:\s*(\S+)", open(COMPOSE).read(), re.M))
    assert targets == {"runtime", "tests"}
    assert targets <= stages, (targets, stages)
    assert "CPPCGI_EXTERNAL_URL: http://server:80" in open(COMPOSE).read()
