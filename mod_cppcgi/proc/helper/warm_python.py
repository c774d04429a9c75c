# SPDX-License-Identifier: Apache-2.0
# mod_cppcgi's warm Python process (CppCgiPythonPreload). A helper runs it as
#   <python3> [the script's #! flags] -c <this file> [module ...]
# with a SOCK_SEQPACKET socket to the helper at fd 3 and pipes at 0, 1, 2.
# It imports the named modules, says "ready" (or "failed ..."), then serves one request per
# message: the script's stdin, stdout and stderr and its interpreter arrive
# as SCM_RIGHTS, with the working directory, the script's path, argv, the
# environment and the resource limits. For each it forks twice: the middle
# process answers the script's pid and exits at once, so that the script is
# adopted by the helper (a child subreaper), which reaps it, ends its tree
# and reports its exit like any script's. The script process then becomes
# what `python3 [flags] /path/script args` would have been (see run()).
# Anything it cannot reproduce, it leaves to the real interpreter (fexecve).
import sys
import _socket
_control = _socket.socket(fileno=3)
try:
    for _name in sys.argv[1:]:
        __import__(_name)
except BaseException as _e:  # noqa: B902 (whatever stops it, the helper logs)
    _control.send(("failed importing %s: %s: %s" % (_name, type(_e).__name__, _e)).encode()[:4000])
    raise SystemExit(1)
_preloaded = set(sys.modules)
import gc, os, resource, ctypes  # noqa: E401 (this process's own: dropped in each script)
_own = set(sys.modules) - _preloaded
if "socket" not in _preloaded:
    _own.add("_socket")  # imported first, for the helper's socket: ours unless a preload uses it
# What the interpreter put in its own environment at start-up (the C locale's
# coercion adds LC_CTYPE): a script started as this one was gets it too.
with open("/proc/self/environ", "rb") as _f:
    _given = {e.partition(b"=")[0] for e in _f.read().split(b"\0") if e}
_added = [(k, v) for k, v in os.environ.items() if os.fsencode(k) not in _given]

_MAX_MESSAGE = 1 << 20
_FDS = 4  # stdin, stdout, stderr, the interpreter
_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
# It outlives the scripts it forks, which run as the same user: none of them
# may read or change it (ptrace, /proc/PID/mem) to reach the scripts after
# it. Each script is made dumpable again, as an exec'd one is.
_libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def _fds_of(ancillary):
    fds = []
    for level, kind, data in ancillary:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            for i in range(0, len(data) - len(data) % 4, 4):
                fds.append(int.from_bytes(data[i:i + 4], sys.byteorder))
    return fds


def _parse(message):
    words = message.split(b"\0")
    if words[0] != b"cppcgi-warm-1":
        raise ValueError("not a request")
    cwd, path = words[1], words[2]
    at = 3
    lists = []
    for _ in range(2):
        n = int(words[at])
        lists.append(words[at + 1:at + 1 + n])
        at += 1 + n
    n = int(words[at])
    limits = [(int(words[at + 1 + 3 * i]), int(words[at + 2 + 3 * i]), int(words[at + 3 + 3 * i]))
              for i in range(n)]
    return cwd, path, lists[0], lists[1], limits


def serve(control):
    """Returns, in a script process, what it is to run; loops in the warm one."""
    # What exists now is never collected: the collector in a script does not
    # walk (and so copy) the warm process's objects.
    gc.freeze()
    control.send(b"ready")
    while True:
        try:
            message, ancillary, _, _ = control.recvmsg(_MAX_MESSAGE, _socket.CMSG_SPACE(_FDS * 4))
        except InterruptedError:
            continue
        fds = _fds_of(ancillary)
        if not message:
            os._exit(0)  # the helper is gone
        try:
            request = _parse(message)
            if len(fds) != _FDS:
                raise ValueError("expected %d descriptors" % _FDS)
        except (ValueError, IndexError) as e:
            for fd in fds:
                os.close(fd)
            control.send(b"error 22 bad request: " + str(e).encode())
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        middle = os.fork()
        if middle == 0:
            try:
                pid = os.fork()
                if pid == 0:
                    control.close()
                    return request, fds
                os.setpgid(pid, pid)  # its own group from the start, whoever runs first
                control.send(b"ok %d" % pid)
                os._exit(0)
            except BaseException as e:  # noqa: B902 (anything: answer, then go)
                try:
                    control.send(b"error %d %s" % (getattr(e, "errno", None) or 11, str(e).encode()))
                finally:
                    os._exit(0)
        for fd in fds:
            os.close(fd)
        while True:
            try:
                os.waitpid(middle, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                break


def _become(request, fds):
    """Turns this process into the script's, up to running its code."""
    cwd, path, argv, env, limits = request
    try:
        os.setpgid(0, 0)
    except OSError:
        pass  # already done by the middle process
    _libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)
    for i in range(3):
        os.dup2(fds[i], i)
    for fd in fds[:3]:
        if fd > 2:
            os.close(fd)
    os.chdir(cwd)
    for what, soft, hard in limits:
        resource.setrlimit(what, (soft, hard))
    os.environ.clear()
    for entry in env:
        name, eq, value = entry.partition(b"=")
        if eq and name:
            name = os.fsdecode(name)
            if name not in os.environ:
                os.environ[name] = os.fsdecode(value)
    for name, value in _added:
        if name not in os.environ:
            os.environ[name] = value
    interpreter = fds[3]
    os.set_inheritable(interpreter, False)
    path = os.fsdecode(path)
    argv = [os.fsdecode(a) for a in argv]
    source = None
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError:
        pass  # the interpreter says what it says about it
    if source is None or b"\0" in source:
        # A zip application (or unreadable): what python3 does with it, python3 does.
        os.execve(interpreter, argv, os.environ)
    os.close(interpreter)
    return path, argv, source


def run(path, argv, source):
    """`python3 [flags] path args`, from here: __main__, sys.argv, sys.path[0]."""
    for name in _own:
        sys.modules.pop(name, None)
    script = argv.index(path)
    sys.orig_argv = list(argv)
    sys.argv = argv[script:]
    if not sys.flags.safe_path and sys.path and sys.path[0] == "":
        sys.path[0] = os.path.dirname(os.path.realpath(path))
    main = type(sys)("__main__")  # __name__, __doc__, __package__, __loader__, __spec__
    main.__annotations__ = {}
    main.__builtins__ = sys.modules["builtins"]
    main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    main.__file__ = path
    main.__cached__ = None
    sys.modules["__main__"] = main
    code = compile(source, path, "exec", dont_inherit=True)
    exec(code, main.__dict__)


def _exit_code(e):
    """What python3 exits with for SystemExit `e` (saying a message first)."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    sys.stderr.write(str(code) + "\n")
    return 1


def _flush_std():
    """Flushes stdout and stderr as python3 does at exit: False if one failed."""
    ok = True
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except Exception as e:  # noqa: B902 (reported as python3 reports it)
            sys.unraisablehook(type("UnraisableHookArgs", (), {
                "exc_type": type(e), "exc_value": e, "exc_traceback": e.__traceback__,
                "err_msg": None, "object": stream})())
            ok = False
    return ok


def _clear(namespace):
    """Empties a module's namespace as python3's finalisation does: _names first."""
    for names in ([n for n in namespace if n.startswith("_") and not n.startswith("__")], list(namespace)):
        for name in names:
            if name != "__builtins__" and name in namespace:
                namespace[name] = None


def finish(code):
    """python3's exit, less the work that only frees memory the kernel frees anyway:
    non-daemon threads joined, atexit handlers, stdio flushed (120 if that
    fails), then the script's modules emptied (so that what their objects
    still buffer, an unclosed file for one, is written), newest first."""
    if "threading" in sys.modules:
        sys.modules["threading"]._shutdown()
    import atexit
    atexit._run_exitfuncs()
    if not _flush_std():
        code = 120
    for name in reversed(list(sys.modules)):
        if name not in _before_script:
            module = sys.modules.get(name)
            if module is not None and isinstance(getattr(module, "__dict__", None), dict):
                _clear(module.__dict__)
    if not _flush_std():
        code = 120
    os._exit(code)


_request, _fds = serve(_control)
del _control
_script = _become(_request, _fds)
del _request, _fds
_before_script = set(sys.modules) - {"__main__"}
try:
    run(*_script)
    _code = 0
except SystemExit as _e:
    _code = _exit_code(_e)  # as python3 handles it: the code, or the message and 1
except BaseException as _e:  # noqa: B902 (an uncaught exception, as python3 reports it)
    _tb = _e.__traceback__
    while _tb is not None and _tb.tb_frame.f_code.co_filename == "<string>":
        _tb = _tb.tb_next
    sys.excepthook(type(_e), _e, _e.with_traceback(_tb).__traceback__)
    if isinstance(_e, KeyboardInterrupt):
        import _signal
        _flush_std()
        _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
        os.kill(os.getpid(), _signal.SIGINT)
    _code = 1
    del _e, _tb
finish(_code)
