# SPDX-License-Identifier: Apache-2.0
"""What a test server's processes are doing, read from /proc: the httpd
parent's tree, its helpers, what runs below them, and the invariants every
test checks afterwards (no zombie, no survivor, no fd growth)."""

import os
import pwd
import signal
import time

from waits import wait_until


class ServerProcesses:
    """Mixed into HttpdServer, whose parent_pid and paths it reads."""

    def process_tree(self):
        """Every descendant of the httpd parent: dicts with pid, ppid, uid, user, comm, args."""
        if self.parent_pid is None:
            return []
        procs = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                rparen = stat.rindex(")")
                fields = stat[rparen + 2:].split()
                state, ppid = fields[0], int(fields[1])
                uid = os.stat(f"/proc/{entry}").st_uid
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    args = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                procs[int(entry)] = {"pid": int(entry), "ppid": ppid, "uid": uid, "state": state,
                                     "comm": stat[stat.index("(") + 1:rparen], "args": args}
            except (OSError, ValueError):
                continue
        out, frontier = [], {self.parent_pid}
        while frontier:
            nxt = set()
            for p in procs.values():
                if p["ppid"] in frontier:
                    out.append(p)
                    nxt.add(p["pid"])
            frontier = nxt
        for p in out:
            try:
                p["user"] = pwd.getpwuid(p["uid"]).pw_name
            except KeyError:
                p["user"] = str(p["uid"])
        return out

    def helper_pids(self):
        """Helpers: children of the parent named cppcgi-helper that hold a connection to the cppcgi socket's
        inode (an MPM child just forked holds the socket too, until its child_init closes it)."""
        sockets = set()
        run = self.path("run")
        for name in os.listdir(run):
            if name.startswith("cppcgi.") and name.endswith(".sock"):
                sockets.add(os.path.join(run, name))
                # The kernel keeps the name it was bound to (renamed into place afterwards).
                sockets.add(os.path.join(run, name) + ".new")
        inodes = _unix_listen_inodes(sockets)
        pids = []
        for p in self.process_tree():
            if p["ppid"] != self.parent_pid or p["comm"] != "cppcgi-helper":
                continue
            if _holds_socket(p["pid"], inodes):
                pids.append(p["pid"])
        return pids

    # -- invariants (scenario H) ---------------------------------------------
    def _fd_count(self, pid):
        """(fds that are not sockets, sockets, threads) of a process, or None."""
        try:
            links = []
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
                except OSError:
                    pass
            with open(f"/proc/{pid}/status") as f:
                threads = next(int(line.split()[1]) for line in f if line.startswith("Threads:"))
        except (OSError, StopIteration):
            return None
        sockets = sum(1 for link in links if link.startswith("socket:"))
        return len(links) - sockets, sockets, threads

    def _settled_snapshot(self, timeout=3):
        """invariant_snapshot() once two in a row, 0.2 s apart, agree: a worker
        that has not finished its child_init yet (slow under ASan) would
        otherwise be counted with fewer fds than it keeps."""
        seen = []

        def settled():
            seen.append(self.invariant_snapshot())
            return len(seen) > 1 and seen[-1] == seen[-2]

        wait_until(settled, timeout, interval=0.2)
        return seen[-1]

    def invariant_snapshot(self):
        """The fd counts of every httpd worker process, by pid."""
        helpers = set(self.helper_pids())
        counts = {}
        for p in self.process_tree():
            if p["ppid"] == self.parent_pid and p["pid"] not in helpers and p["state"] != "Z":
                n = self._fd_count(p["pid"])
                if n is not None:
                    counts[p["pid"]] = n
        return counts

    def invariant_problems(self, before, timeout=8):
        """After a test: no process left below a helper (scripts and their
        descendants), no zombie below a helper, and no worker holding more fds
        than before (but for the one helper connection each worker thread
        may keep between requests). Waits up to `timeout` s for things to settle (a script
        being ended gets SIGKILL 3 s after SIGTERM)."""
        deadline = time.time() + timeout
        while True:
            problems = []
            helpers = set(self.helper_pids())
            tree = self.process_tree()
            # A helper's warm Python processes (CppCgiPythonPreload) live as long as it does.
            below = {p["pid"]: p for p in tree if p["ppid"] in helpers and not is_warm_python(p)}
            frontier = set(below)
            while frontier:
                nxt = {p["pid"] for p in tree if p["ppid"] in frontier}
                for pid in nxt:
                    below[pid] = next(p for p in tree if p["pid"] == pid)
                frontier = nxt
            for p in below.values():
                kind = "zombie" if p["state"] == "Z" else "survivor"
                problems.append(f"{kind} below a helper: pid {p['pid']} ({p['comm']}: {p['args']})")
            for pid, (files, sockets, _) in before.items():
                now = self._fd_count(pid)
                if now is None:
                    continue
                files_now, sockets_now, threads = now
                if files_now > files:
                    problems.append(f"worker {pid} holds {files_now} fds other than sockets, {files} before the test")
                if sockets_now > sockets + threads:
                    problems.append(f"worker {pid} holds {sockets_now} sockets with {threads} threads, "
                                    f"{sockets} before the test")
            if not problems or time.time() > deadline:
                return problems
            time.sleep(0.1)

    def warm_pythons(self):
        """The helpers' warm Python processes (CppCgiPythonPreload), as process_tree() dicts."""
        helpers = set(self.helper_pids())
        return [p for p in self.process_tree() if p["ppid"] in helpers and is_warm_python(p)]

    def below_helpers(self):
        """Every process below the helpers (scripts and their descendants), as process_tree() dicts."""
        helpers = set(self.helper_pids())
        tree = self.process_tree()
        below, frontier = set(), helpers
        while frontier:
            frontier = {p["pid"] for p in tree if p["ppid"] in frontier} - below
            below |= frontier
        return [p for p in tree if p["pid"] in below]

    def end_survivors(self):
        """SIGKILL to every process below the helpers (after they were reported),
        so that one test's leftover does not fail the tests after it."""
        for pid in [p["pid"] for p in self.below_helpers()]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    # -- logs ---------------------------------------------------------------


def is_warm_python(p):
    """A process_tree() dict of a warm Python process (its -c program says so first)."""
    return p["state"] != "Z" and "mod_cppcgi's warm Python process" in p["args"][:400]


def _unix_listen_inodes(paths):
    inodes = set()
    try:
        with open("/proc/net/unix") as f:
            next(f)
            for line in f:
                parts = line.split()
                if len(parts) >= 8 and parts[7] in paths:
                    inodes.add(parts[6])
    except OSError:
        pass
    return inodes


def _holds_socket(pid, inodes):
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                return True
    except OSError:
        pass
    return False
