# SPDX-License-Identifier: Apache-2.0
"""mod_cgi's and mod_cgid's directives are read exactly as those modules read
them: every value passes or fails `apachectl -t` with mod_cppcgi as it does
with the module it stands in for (both are tried here, in the same run), and
mod_cppcgi's own durations use the same syntax."""

import time

import pytest

from conftest import MPM
from httpd_server import MODULES_DIR, HttpdServer

# httpd's time syntax (ap_timeout_parameter_parse, seconds by default), and
# what each value means in milliseconds; None: refused.
TIMES = [
    ("30", 30000), ("30s", 30000), ("500ms", 500), ("5mi", 300000), ("5min", 300000), ("2h", 7200000),
    ("5sec", 5000), ("5hours", 18000000), ("5msec", 5), ("1ms", 1), ("24h", 86400000), ("25h", 90000000),
    ("0", 0),
    ("-5", None), ('""', None), ("5m", None), ("5mx", None), ("abc", None), ("1d", None), ("1.5", None), ('"30 s"', None),
    ("99999999999999999999", None),
]

# mod_cgi reads these with atol/atoi: any text is accepted (but no empty argument).
NUMBERS = ["4096", "0", "10k", "lots", "-1"]


@pytest.fixture(scope="module")
def checker():
    srv = HttpdServer(mpm=MPM, log_level="warn")  # cppcgi:info would need mod_cppcgi loaded
    yield srv
    srv.cleanup()


def _check(srv, module, lines):
    """(accepted, output) of apachectl -t with `module` (cgi, cgid or ours) and the directive lines."""
    if module == "ours":
        loads = [f'LoadModule cppcgi_module "{srv.module}"']
    else:
        loads = [f'LoadModule {module}_module "{MODULES_DIR}/mod_{module}.so"']
    srv.extra_conf = "\n".join(lines)
    code, out = srv.config_test(srv.config_text(module_lines=loads))
    return code == 0, out


@pytest.mark.parametrize("value,ms", TIMES, ids=[t[0] for t in TIMES])
def test_script_timeouts_take_what_mod_cgi_and_mod_cgid_take(checker, value, ms):
    for directive, theirs in (("CGIScriptTimeout", "cgi"), ("CGIDScriptTimeout", "cgid")):
        line = f"{directive} {value}"
        accepted, out = _check(checker, theirs, [line])
        assert accepted == (ms is not None), f"{theirs} on {line!r}: {out}"  # the table is httpd's truth
        ours, out = _check(checker, "ours", [line])
        assert ours == accepted, f"mod_cppcgi on {line!r}: {out}"
        if not ours and value != '""':  # an empty argument is refused by httpd's own parser
            assert f"{directive}: '{value.strip(chr(34))}' is not accepted; expected httpd's time syntax" in out, out


@pytest.mark.parametrize("value,ms", TIMES, ids=[t[0] for t in TIMES])
def test_own_durations_use_the_same_syntax(checker, value, ms):
    in_range = ms is not None and 1 <= ms <= 86400000
    for directive in ("CppCgiIdleTimeout", "CppCgiMaxRunTime"):
        accepted, out = _check(checker, "ours", [f"{directive} {value}"])
        assert accepted == in_range, out
        if not accepted and value != '""':
            assert (f"{directive}: '{value.strip(chr(34))}' is not accepted; expected httpd's time syntax: a whole number with "
                    f"an optional unit ms, s, mi (minutes) or h (seconds if none), e.g. 30, 500ms or 5mi, "
                    f"from 1ms to 24h") in out, out


@pytest.mark.parametrize("directive", ["ScriptLogLength", "ScriptLogBuffer"])
@pytest.mark.parametrize("value", NUMBERS)
def test_script_log_numbers_take_what_mod_cgi_takes(checker, directive, value):
    line = f"{directive} {value}"
    for theirs in ("cgi", "cgid"):
        accepted, out = _check(checker, theirs, [line])
        assert accepted, f"{theirs} on {line!r}: {out}"
    accepted, out = _check(checker, "ours", [line])
    assert accepted, out
    # Said by apachectl -t when it is not plainly a number within range.
    odd = value in ("10k", "lots") or (directive == "ScriptLogBuffer" and value == "-1")
    assert ("CPPCGI0202" in out) == odd, out


def test_script_log_path_takes_what_mod_cgi_takes(checker):
    for value in ("logs/cgi.log", "/var/log/apache2/cgi.log", '""', "/"):
        line = f"ScriptLog {value}"
        assert _check(checker, "cgi", [line])[0] == _check(checker, "ours", [line])[0], line


@pytest.mark.expect_log("CPPCGI0202")
def test_odd_script_log_numbers_are_said_at_startup(fresh_server):
    # Accepted as mod_cgi accepts them, but not silently: a typo such as
    # "10k" would be read as 10 bytes.
    srv = fresh_server("ScriptLogLength 10k\nScriptLogBuffer -1\nScriptLogLength 4096\n")
    srv.start()
    log = srv.read_log()
    assert "CPPCGI0202: ScriptLogLength '10k' is read as 10, as mod_cgi reads it (its leading digits); " \
           "fix: write the value as a whole number" in log
    assert "CPPCGI0202: ScriptLogBuffer '-1' is read as 0 (mod_cgi would read -1, which cannot be used: " \
           "it takes 0 to 16777216); fix: write the value as a whole number" in log
    assert log.count("CPPCGI0202") == 2  # once each, and none for the plain number


def test_script_timeout_zero_means_the_timeout_directive(fresh_server):
    # As in mod_cgi: CGIScriptTimeout 0 is the server's Timeout, even below a
    # section that sets a longer one.
    srv = fresh_server('Timeout 2\n<Directory "{root}/cgi-bin">\nCppCgiIdleTimeout 20\n</Directory>\n'
                       'ScriptAlias /zero/ "{root}/cgi-bin/"\n'
                       '<Location /zero/>\nCGIScriptTimeout 0\n</Location>\n'
                       'ScriptAlias /half/ "{root}/cgi-bin/"\n'
                       '<Location /half/>\nCGIDScriptTimeout 500ms\n</Location>\n')
    srv.extra_conf = srv.extra_conf.replace("{root}", srv.root)
    srv.start()
    for path, most in (("/zero/silent.sh", 6), ("/half/silent.sh", 2)):
        mark = srv.log_mark()
        start = time.time()
        assert srv.get(path, timeout=30)[0] == 504
        assert time.time() - start < most
        srv.wait_for_log(mark, "CPPCGI0010")
