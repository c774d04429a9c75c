# SPDX-License-Identifier: Apache-2.0
# mod_cppcgi's warm Python process (CppCgiPythonPreload). A helper runs it as
#   <python3> [the script's #! flags] -c <this file> [module ...]
# with a SOCK_SEQPACKET socket to the helper at fd 3 and pipes at 0, 1, 2.
# It imports the named modules, says "ready" (or "failed ..."), then serves one request per
# message: the script's stdin, stdout and stderr and its interpreter arrive
# as SCM_RIGHTS, with the working directory, the script's path, argv, the
# environment and the resource limits. For each it prepares what does not
# depend on the new process (the environment, the script's code, compiled
# once per version of the file), then clones the script process as a child
# of the helper (CLONE_PARENT): the helper, which answers for every script,
# reaps it, ends its tree and reports its exit like any script's. The script
# process then becomes what `python3 [flags] /path/script args` would have
# been (see run()). Anything it cannot reproduce, it leaves to the real
# interpreter (fexecve).
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
import atexit, gc, os, resource, stat, ctypes, warnings  # noqa: E401 (this process's own: see _own_modules)
_own = set(sys.modules) - _preloaded
if "socket" not in _preloaded:
    _own.add("_socket")  # imported first, for the helper's socket: ours unless a preload uses it
# Held, so that dropping them from sys.modules (below) frees nothing.
_own_modules = [sys.modules[name] for name in _own]
# What the interpreter put in its own environment at start-up (the C locale's
# coercion adds LC_CTYPE): a script started as this one was gets it too.
with open("/proc/self/environ", "rb") as _f:
    _given = {e.partition(b"=")[0] for e in _f.read().split(b"\0") if e}
_added = [(os.fsencode(k), os.fsencode(v)) for k, v in os.environ.items() if os.fsencode(k) not in _given]
_FS_ENCODING, _FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
# Held, so that a script process replacing them frees nothing: whatever a
# script process frees or drops is a write to memory it shares with this
# one, and each page written is copied.
_startup_environ = (os.environ._data, sys.modules["posix"].environ)

_MAX_MESSAGE = 1 << 20
_FDS = 4  # stdin, stdout, stderr, the interpreter
_MAX_COMPILED_HERE = 256 << 10  # a larger script is compiled by its own process, not kept
_MAX_KEPT = 4 << 20  # the compiled scripts kept, by the size of their sources
_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_DUMPABLE = 4
_PR_SET_CHILD_SUBREAPER = 36
# It outlives the scripts it forks, which run as the same user: none of them
# may read or change it (ptrace, /proc/PID/mem) to reach the scripts after
# it. Each script is made dumpable again, as an exec'd one is.
_libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
_environ = ctypes.c_void_p.in_dll(_libc, "environ")
_codes = {}  # (path, dev, inode, size, mtime, ctime) -> (code, compile-time warnings)
_kept = 0  # the sizes of their sources


def _clone_setup():
    """How to clone a script as the helper's child, as fork() would: the
    kernel writes the child's thread id where glibc keeps it (found by
    value in this thread's descriptor), and Python's fork hooks run."""
    machine = os.uname().machine
    if machine not in ("x86_64", "aarch64"):
        raise OSError("no clone support for " + machine)
    tid = _libc.gettid()
    pthread_self = _libc.pthread_self
    pthread_self.restype = ctypes.c_void_p
    self_ = pthread_self()
    words = (ctypes.c_int * 512).from_address(self_)  # struct pthread is larger
    found = [i for i in range(512) if words[i] == tid]
    if len(found) != 1:
        raise OSError("cannot find the thread id in glibc's thread descriptor")
    clone = ctypes.PyDLL(None, use_errno=True).syscall  # keeps the GIL, as os.fork does
    clone.restype = ctypes.c_long
    # The arguments made once, as C values: no conversion at each call.
    flags = ctypes.c_ulong(0x00008000 | 0x01000000 | 17)  # CLONE_PARENT | CLONE_CHILD_SETTID | SIGCHLD
    at = ctypes.c_void_p(self_ + 4 * found[0])
    if machine == "x86_64":  # clone(flags, stack, parent_tid, child_tid, tls)
        args = (ctypes.c_long(56), flags, None, None, at, None)
    else:  # clone(flags, stack, parent_tid, tls, child_tid)
        args = (ctypes.c_long(220), flags, None, None, None, at)
    return lambda: clone(*args)


try:
    _clone = _clone_setup()
except (OSError, AttributeError, ValueError) as _e:
    _control.send(("failed to set up cloning scripts: %s" % _e).encode()[:4000])
    raise SystemExit(1)


# This process's own modules leave sys.modules once it is set up: a script
# process starts with the modules python3 would have, dropping nothing.
for _name in _own:
    sys.modules.pop(_name, None)
# The modules a script process starts with, known here: listing them in the
# script process would write to every name (its reference count). A script
# process reads the names it added from the end of sys.modules, up to the
# last of these, and touches none of the rest (see _script_modules).
_before_script = frozenset(sys.modules) - {"__main__"}
_modules_before, _last_before = len(sys.modules), next(reversed(sys.modules))


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
    numbers = list(map(int, words[at + 1:at + 1 + 3 * n]))
    if len(numbers) != 3 * n:
        raise ValueError("limits cut short")
    return cwd, path, lists[0], lists[1], list(zip(numbers[0::3], numbers[1::3], numbers[2::3]))


def _fsdecode(name):
    return name.decode(_FS_ENCODING, _FS_ERRORS)


def _prepare(request):
    """What the script process needs that does not depend on being it: done
    here, in memory the script process then shares instead of copying."""
    cwd, path, argv, env, limits = request
    data, entries = {}, env  # env, a list of its own, becomes the C environment's
    for entry in env:
        name, eq, value = entry.partition(b"=")
        if eq and name not in data:
            data[name] = value  # the first of two wins, as in python3's os.environ
    for name, value in _added:
        if name not in data:
            data[name] = value
            entries.append(name + b"=" + value)
    environ = (ctypes.c_char_p * (len(entries) + 1))(*entries)
    at = path if path.startswith(b"/") else cwd + (b"" if cwd.endswith(b"/") else b"/") + path
    path = _fsdecode(path)
    argv = list(map(_fsdecode, argv))
    at = _fsdecode(at)
    directory = code = None
    try:
        # Not blocking on a FIFO swapped in for the checked file: what is not a
        # regular file, python3 itself is left to refuse.
        fd = os.open(at, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        fd = -1  # the interpreter says what it says about it
    if fd >= 0:
        try:
            st = os.fstat(fd)
            if stat.S_ISREG(st.st_mode):
                directory = _directory_of(fd)
                key = (at, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
                code = _codes.get(key)
                if code is None:
                    code = _load(fd, key, path)
        except OSError:
            pass
        finally:
            os.close(fd)
    if directory is None:
        directory = os.path.dirname(os.path.realpath(at))
    return cwd, path, argv, limits, (environ, data), directory, code


def _directory_of(fd):
    """The directory of the file open at fd, its links resolved, as
    realpath() would find it (None without /proc)."""
    try:
        return os.readlink("/proc/self/fd/%d" % fd).rpartition("/")[0] or "/"
    except OSError:
        return None


def _load(fd, key, path):
    """The code of the script open at fd (None for a zip application)."""
    with open(fd, "rb", closefd=False) as f:
        source = f.read()
    if b"\0" in source:
        return None  # a zip application: python3 runs it
    if len(source) > _MAX_COMPILED_HERE:
        return (source, None)  # compiled by the script process: this one serves others meanwhile
    code = _compile(source, path)
    if not isinstance(code[0], BaseException):
        _keep(key, code, len(source))
    return code


def _keep(key, code, size):
    global _kept
    while _codes and _kept + size > _MAX_KEPT:
        _kept -= _codes.pop(next(iter(_codes)))[2]  # the oldest goes
    _codes[key] = code + (size,)
    _kept += size


def _compile(source, path):
    """The script's code (or why it has none) and the warnings compiling it
    gave, which the script process issues under its own filters."""
    sys.modules["warnings"] = warnings  # where the C side of warnings looks for the recorder
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            try:
                code = compile(source, path, "exec", dont_inherit=True)
            except Exception as e:  # noqa: B902 (SyntaxError, ValueError...: the script process raises it)
                code = e.with_traceback(None)
    finally:
        if "warnings" in _own:
            del sys.modules["warnings"]
    return code, [(w.message, w.category, w.filename, w.lineno) for w in said]


def serve(control):
    """Returns, in a script process, what it is to run; loops in the warm one."""
    # What exists now is never collected: the collector in a script does not
    # walk (and so copy) the warm process's objects.
    gc.freeze()
    # What a preloaded module printed goes now, not into a script's output;
    # serving prints nothing, so no script inherits buffered output.
    _flush_std()
    control.send(b"ready")
    # Bound once: each name looked up per request is a write (its reference
    # count) to a page the last script shares, which is then copied.
    receive, space = control.recvmsg, _socket.CMSG_SPACE(_FDS * 4)
    before, child, parent = (getattr(ctypes.pythonapi, "PyOS_" + name)
                             for name in ("BeforeFork", "AfterFork_Child", "AfterFork_Parent"))
    while True:
        try:
            message, ancillary, _, _ = receive(_MAX_MESSAGE, space)
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
        # Freed here, in pages this process writes anyway, not by the script
        # process as it leaves this frame (a page copied for each).
        del message, ancillary
        prepared = _prepare(request)
        del request
        before()
        pid = _clone()
        if pid == 0:
            child()
            control.close()
            return prepared, fds
        error = ctypes.get_errno()
        parent()
        for fd in fds:
            os.close(fd)
        del prepared
        if pid < 0:
            control.send(b"error %d %s" % (error or 11, os.strerror(error or 11).encode()))
        else:
            control.send(b"ok %d" % pid)


def _become(prepared, fds):
    """Turns this process into the script's, up to running its code."""
    cwd, path, argv, limits, (environ, data), directory, code = prepared
    try:
        os.setpgid(0, 0)  # the helper, its parent, does the same: whoever runs first
    except OSError:
        pass
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
    global _environ_array
    _environ_array = environ  # lives as long as the process: the C library's environment now
    _environ.value = ctypes.addressof(environ)
    os.environ._data = os.environb._data = data  # one dictionary behind both, as at start-up
    sys.modules["posix"].environ = dict(data)  # what python3 read at start-up: the same, a copy
    interpreter = fds[3]
    if code is None:
        # A zip application (or unreadable): what python3 does with it, python3 does.
        os.set_inheritable(interpreter, False)  # as any script, it gets fds 0-2 only
        os.execve(interpreter, argv, os.environ)
    os.close(interpreter)
    return path, argv, directory, code


def run(path, argv, directory, code):
    """`python3 [flags] path args`, from here: __main__, sys.argv, sys.path[0]."""
    for name in _own:  # imported again since, by this process (not sys.modules' every name)
        if name in sys.modules:
            del sys.modules[name]
    script = argv.index(path)
    sys.orig_argv = list(argv)
    sys.argv = argv[script:]
    if not sys.flags.safe_path and sys.path and sys.path[0] == "":
        sys.path[0] = directory
    main = type(sys)("__main__")  # __name__, __doc__, __package__, __loader__, __spec__
    main.__annotations__ = {}
    main.__builtins__ = sys.modules["builtins"]
    main.__loader__ = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    main.__file__ = path
    main.__cached__ = None
    sys.modules["__main__"] = main
    code, said = code[:2]
    if said is None:  # compiled here, its warnings going where python3's would
        code, said = compile(code, path, "exec", dont_inherit=True), []
    for message, category, filename, lineno in said:
        sys.modules["_warnings"].warn_explicit(message, category, filename, lineno)  # as python3 does
    if isinstance(code, BaseException):
        raise code
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


def _script_modules():
    """The names in sys.modules, newest first, that may be the script's: the
    modules the script process started with are first in its order, and
    unless the script removed one, the last of them is right before the
    newest len(sys.modules) - _modules_before names; then those and
    __main__ (replaced in place). Otherwise, all of them."""
    names = reversed(sys.modules)
    newest = [next(names) for _ in range(len(sys.modules) - _modules_before)]
    if next(names, None) is _last_before:
        return newest + ["__main__"]
    return list(reversed(sys.modules))


def finish(code):
    """python3's exit, less the work that only frees memory the kernel frees anyway:
    non-daemon threads joined, atexit handlers, stdio flushed (120 if that
    fails), then the script's modules emptied (so that what their objects
    still buffer, an unclosed file for one, is written), newest first."""
    if "threading" in sys.modules:
        sys.modules["threading"]._shutdown()
    # The handlers are the interpreter's, whichever atexit module object
    # registered them: this process's own runs them, no import needed.
    atexit._run_exitfuncs()
    if not _flush_std():
        code = 120
    for name in _script_modules():
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
