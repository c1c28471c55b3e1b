"""Run a command under a parent that never reaps orphans, as a container's PID 1 that is a
shell or cron: `python -m tests.reaper DELAY STDERR_FILE CMD...`.

It makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so the command's orphans
become its children; it waits for the command only (after DELAY seconds, if DELAY >= 0, it
sends it SIGTERM), gives orphans a moment to exit, and prints as JSON the command's exit code
and every child of its own still in /proc, zombies included.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def children_of(pid: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        name, _, rest = stat.partition(" (")[2].rpartition(")")
        state, ppid = rest.split()[:2]
        if int(ppid) == pid:
            out.append({"pid": int(entry), "state": state, "name": name})
    return out


def main() -> None:
    delay, stderr_path, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    with open(stderr_path, "w", encoding="utf-8") as err:
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        if delay >= 0:
            time.sleep(delay)
            child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=300)
    time.sleep(1.5)  # an orphan exiting now stays our zombie: we never wait for it
    print(json.dumps({"code": code, "left": children_of(os.getpid())}))


if __name__ == "__main__":
    main()
