#!/usr/bin/python3
"""rusage.py: run one engine process, with a time limit, and record its peak
resident memory and CPU time.

  rusage.py --out FILE.json --timeout SECONDS -- COMMAND [ARG...]

The command inherits stdin, stdout and stderr. When it ends, FILE.json gets
  {"max_rss_kb":..,"user_s":..,"sys_s":..,"wall_s":..}
from wait4(): the kernel's own high-water mark of the process's resident
memory (ru_maxrss; it covers the process and any children it waited for),
which, unlike sampling /proc, cannot miss a short peak. The exit status is
the command's; 124 when the time limit killed it (as timeout(1) does), and
128+N when signal N ended it. The command runs in its own process group, so
a time-out also kills anything it started.

This replaces /usr/bin/time -v (Debian package `time`, not always present)
and timeout(1) in one place, with the standard library only.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time


def main(argv):
    out, limit, cmd = None, 0.0, []
    i = 0
    while i < len(argv):
        if argv[i] == "--":
            cmd = argv[i + 1:]
            break
        if argv[i] in ("--out", "--timeout") and i + 1 < len(argv):
            if argv[i] == "--out":
                out = argv[i + 1]
            else:
                limit = float(argv[i + 1])
            i += 2
            continue
        sys.stderr.write("rusage.py: unknown argument %r\n" % argv[i])
        return 2
    if not cmd or not out:
        sys.stderr.write("usage: rusage.py --out FILE --timeout S -- COMMAND [ARG...]\n")
        return 2
    t0 = time.monotonic()
    try:
        p = subprocess.Popen(cmd, start_new_session=True)
    except OSError as e:
        sys.stderr.write("rusage.py: cannot run %s: %s\n" % (cmd[0], e))
        return 127
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    timer = threading.Timer(limit, kill) if limit > 0 else None
    if timer:
        timer.daemon = True
        timer.start()
    while True:
        try:
            _, status, ru = os.wait4(p.pid, 0)
            break
        except InterruptedError:
            continue
    if timer:
        timer.cancel()
    wall = time.monotonic() - t0
    if timed_out.is_set():
        rc = 124
    elif os.WIFSIGNALED(status):
        rc = 128 + os.WTERMSIG(status)
    else:
        rc = os.WEXITSTATUS(status)
    with open(out + ".tmp", "w") as f:
        json.dump({"max_rss_kb": ru.ru_maxrss, "user_s": round(ru.ru_utime, 3),
                   "sys_s": round(ru.ru_stime, 3), "wall_s": round(wall, 3)}, f)
    os.replace(out + ".tmp", out)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
