"""How many files (and so sockets) the server may hold open at once.

Every connection holds a file descriptor, two under gevent (simple-websocket
duplicates gevent's socket). Many systems start a program with a soft limit of
1,024 (Linux desktops) or 256 (macOS), far below what the user may raise it to
themselves. At the limit the server can no longer accept: measured with a soft
limit of 64 and 100 clients, eventlet left them waiting, gevent logged a
traceback for each refused accept, and threading spun a core. A class of 300,
two tabs each, needs about 600 descriptors, 1,200 under gevent: so the server
raises its own soft limit as far as it is allowed, as nginx's
worker_rlimit_nofile does.
"""

try:  # Unix only; Windows has no such limit on sockets
    import resource
except ImportError:
    resource = None

WANTED = 65536  # sockets for a few thousand clients, with room to spare
MACOS_OPEN_MAX = 10240  # macOS refuses more than this when the hard limit is "unlimited"


def raise_open_file_limit(wanted=WANTED):
    """Raise the soft limit on open files towards `wanted`, never above the hard
    limit and never lowering it; return the soft limit in force afterwards (None
    without one: Windows)."""
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        for limit in (target, min(target, MACOS_OPEN_MAX)):
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
                break
            except (ValueError, OSError):  # macOS, above its per-process cap: then its cap
                continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
