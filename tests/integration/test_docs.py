# SPDX-License-Identifier: Apache-2.0
"""The README is the user's manual: keep its reference tables true to the
code. Every message id in core/log_ids.h, core/failure.cc (the table of
faults) and core/notices.cc (the other warnings and errors) has a row in
"Error log messages"
and every row names a defined id, and so for the refusal ids of
core/script_check.h (CPPCGI03NN) in "Checks before a script runs"; every directive in the module's command
tables has a row in "Directives" (and no row names one that does not
exist); the example configuration conf/cppcgi.conf names only real
directives."""

import glob
import os
import re

from httpd_server import SOURCE_DIR

README = os.path.join(SOURCE_DIR, "README.md")
LOG_IDS = os.path.join(SOURCE_DIR, "mod_cppcgi", "core", "log_ids.h")
FAULTS = os.path.join(SOURCE_DIR, "mod_cppcgi", "core", "failure.cc")
NOTICES = os.path.join(SOURCE_DIR, "mod_cppcgi", "core", "notices.cc")
CHECK_IDS = os.path.join(SOURCE_DIR, "mod_cppcgi", "core", "script_check.h")
GLUE = os.path.join(SOURCE_DIR, "mod_cppcgi", "glue")
EXAMPLE_CONF = os.path.join(SOURCE_DIR, "conf", "cppcgi.conf")
# Rows of the directive table that are httpd core's, documented for how mod_cppcgi applies them.
CORE_DIRECTIVES = {"RLimitCPU", "RLimitMEM", "RLimitNPROC"}


def section(title, level="##"):
    text = open(README).read()
    start = text.index(f"\n{level} {title}\n")
    end = min(i for i in (text.find("\n## ", start + 1), text.find("\n### ", start + 1), len(text)) if i >= 0)
    return text[start:end]


def table_first_cells(text):
    return [line.split("|")[1].strip() for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("|---")]


def module_directives():
    names = set()
    for path in glob.glob(os.path.join(GLUE, "*.cc")):
        names |= set(re.findall(r'AP_INIT_[A-Z0-9_]+\(\s*"([A-Za-z]+)"', open(path).read()))
    return names


def test_every_log_id_is_documented_and_every_documented_id_exists():
    defined = set(re.findall(r"CPPCGI_LOGNO\((\d{4})\)", open(LOG_IDS).read()))
    faults = {f"{int(n):04d}" for n in re.findall(r"case Fault::k\w+: return \{(\d+),", open(FAULTS).read())}
    assert len(faults) >= 20
    notices = {f"{int(n):04d}" for n in re.findall(r"case Notice::k\w+: return \{(\d+),", open(NOTICES).read())}
    assert len(notices) >= 10
    defined |= faults | notices
    assert len(defined) >= 30
    rows = [cell for cell in table_first_cells(section("Error log messages")) if cell.startswith("CPPCGI")]
    documented = {cell[len("CPPCGI"):] for cell in rows}
    assert len(rows) == len(documented), "an id has two rows"
    assert defined - documented == set(), "ids without a row in README's Error log messages"
    assert documented - defined == set(), "README rows for ids the code does not define"


def test_every_refusal_id_is_documented_and_every_documented_one_exists():
    enum = open(CHECK_IDS).read()
    body = enum[enum.index("enum class CheckId"):]
    defined = {f"{int(n):04d}" for n in re.findall(r"^\s*k\w+ = (\d+),", body[:body.index("};")], re.M)}
    assert len(defined) >= 20
    rows = [c for c in table_first_cells(section("Checks before a script runs", "###")) if c.startswith("CPPCGI")]
    documented = {cell[len("CPPCGI"):] for cell in rows}
    assert len(rows) == len(documented), "an id has two rows"
    assert defined == documented


def test_every_directive_is_documented_and_every_documented_one_exists():
    directives = module_directives()
    assert len(directives) >= 15
    documented = set()
    for cell in table_first_cells(section("Directives")):
        documented |= set(re.findall(r"`([A-Za-z]+)`", cell))
    documented.discard("Directive")
    assert directives - documented == set(), "directives without a row in README's Directives table"
    assert documented - directives - CORE_DIRECTIVES == set(), "README rows for directives the module lacks"


def test_example_configuration_names_only_real_directives():
    directives = module_directives()
    named = set(re.findall(r"^\s*#?\s*(CppCgi[A-Za-z]+)\s", open(EXAMPLE_CONF).read(), re.M))
    assert named, "conf/cppcgi.conf shows no directive"
    assert named - directives == set()


def _anchor(heading):
    """GitHub's anchor for a heading: lower case, punctuation but '-' and '_' dropped, spaces as '-'."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_readme_is_a_manual_with_working_links():
    text = open(README).read()
    assert len(text.splitlines()) <= 470, "the README is the user's manual: move design and history out"
    anchors = {_anchor(h) for h in re.findall(r"^#+ (.*)$", text, re.M)}
    for target in re.findall(r"\]\(([^)]+)\)", text):
        if target.startswith("#"):
            assert target[1:] in anchors, f"README links to a missing section {target}"
        elif "://" not in target:
            assert os.path.exists(os.path.join(SOURCE_DIR, target)), f"README links to a missing file {target}"
    # No commit hashes: they mean nothing to a user and go stale.
    assert not re.search(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{7,40}\b", text)


def test_documents_the_readme_points_to_exist_and_link_true():
    for doc in ("mod_cppcgi/DESIGN.md", "tests/README.md", "tests/bench/RESULTS.md", "tests/bench/ANALYSIS.md"):
        path = os.path.join(SOURCE_DIR, doc)
        text = open(path).read()
        for target in re.findall(r"\]\(([^)#]+)\)", text):
            if "://" not in target:
                assert os.path.exists(os.path.join(os.path.dirname(path), target)), f"{doc} links to {target}"


def test_license_and_spdx_lines():
    assert "Apache License" in open(os.path.join(SOURCE_DIR, "LICENSE")).read()
    missing = []
    for base, dirs, files in os.walk(SOURCE_DIR):
        rel = os.path.relpath(base, SOURCE_DIR)
        # Build trees, fuzz corpora, and the CGI scripts the tests and the demo run (their bytes are the test).
        dirs[:] = [d for d in dirs
                   if not d.startswith((".", "build", "__pycache__")) and d not in ("corpus", "scripts", "site")]
        for name in files:
            if re.search(r"\.(cc|h|c|py|sh|in)$", name) or name in ("CMakeLists.txt", "Dockerfile"):
                path = os.path.join(base, name)
                with open(path, errors="replace") as f:
                    head = f.read(300)
                # A Debian changelog's format has no comments; the package's copyright file names the license.
                if "SPDX-License-Identifier: Apache-2.0" not in head and name != "changelog.in":
                    missing.append(os.path.join(rel, name))
    assert not missing, f"sources without an SPDX line: {missing}"
