# SPDX-License-Identifier: Apache-2.0
"""The one way tests wait: for a condition, with a deadline, never for a
fixed time that stands for "it has happened by now". (A fixed pause is only
used to show that something does NOT happen within it.)"""

import time


def wait_until(check, timeout=10, interval=0.05, what=None):
    """Calls check() until it returns something truthy, and returns that.
    After `timeout` s: returns the last falsy value, or raises AssertionError
    naming `what` if one is given."""
    deadline = time.time() + timeout
    while True:
        value = check()
        if value or time.time() > deadline:
            break
        time.sleep(interval)
    if not value and what is not None:
        raise AssertionError(f"not seen within {timeout} s: {what}")
    return value


def script_pids(srv, fragment):
    """Pids of the processes below the helpers whose command line contains `fragment`."""
    return [p["pid"] for p in srv.below_helpers() if fragment in p["args"] and p["state"] != "Z"]


def wait_script_running(srv, fragment, count=1, timeout=10):
    """Waits until `count` scripts whose command line contains `fragment` run; returns their pids."""
    return wait_until(lambda: (lambda pids: pids if len(pids) >= count else None)(script_pids(srv, fragment)),
                      timeout, what=f"{count} running script(s) matching {fragment!r}")
