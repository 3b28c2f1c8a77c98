"""What a server process holds, read from /proc: memory and descriptors."""

import contextlib
import os
import time


def _status(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def rss(pid):
    """Resident memory now, in bytes."""
    return _status(pid, "VmRSS")


def peak_rss(pid):
    """The most resident memory since start, or since reset_peak_rss."""
    return _status(pid, "VmHWM")


def reset_peak_rss(pid):
    """Start peak_rss afresh from the memory resident now (Linux: clear_refs 5)."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def sockets(pid):
    """The open sockets among the descriptors: a server's listener and each connection it holds."""
    folder = f"/proc/{pid}/fd"
    count = 0
    for fd in os.listdir(folder):
        with contextlib.suppress(FileNotFoundError):  # closed while we looked
            count += os.readlink(f"{folder}/{fd}").startswith("socket:")
    return count


def cpu_seconds(pid):
    """User and system CPU the process has used."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listens(port):
    """Whether a socket listens on this TCP port (IPv4), as the kernel says: no
    connection is made to find out."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return any(int(row[1].rsplit(":", 1)[1], 16) == port and row[3] == "0A" for row in rows)


def wait_until(condition, timeout):
    """Whether condition() became true within timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
