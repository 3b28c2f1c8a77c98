"""A real nginx (Debian's) in front of app processes, configured by the shipped
example deploy/nginx.conf: only its listen port and its upstream servers are
replaced, so the example is what the tests run.

nginx runs as an ordinary child process with its own prefix folder (pid file,
logs, temporary files), never touching /etc/nginx or /var, and is stopped by
its PID after the block.
"""

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .resources import listens
from .server import ROOT, free_port, read_log, server_process, server_processes, stop_process, wait_until_started

EXAMPLE = ROOT / "deploy" / "nginx.conf"

# The main configuration around the example, which goes in nginx's http block.
MAIN = """\
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
worker_processes 1;
events {{
    worker_connections 4096;
}}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""

LISTEN = re.compile(r"^(\s*)listen 80;$", re.MULTILINE)
SERVER = r"^\s*server 127\.0\.0\.1:\d+(?P<parameters>[^;\n]*);\n"
SERVERS = re.compile(f"{SERVER}(?:{SERVER.replace('?P<parameters>', '?:')})*", re.MULTILINE)


def nginx_program():
    """The path of nginx, or None. (Debian puts it in /usr/sbin, which a user's PATH may lack.)"""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def render_site(listen_port, app_ports):
    """deploy/nginx.conf, listening on 127.0.0.1:listen_port, in front of these app ports."""
    text = EXAMPLE.read_text()
    text, listens = LISTEN.subn(rf"\g<1>listen 127.0.0.1:{listen_port};", text)
    text, upstreams = SERVERS.subn(
        lambda found: "".join(f"    server 127.0.0.1:{port}{found['parameters']};\n" for port in app_ports), text)
    if (listens, upstreams) != (1, 1):
        raise ValueError(f"{EXAMPLE} no longer has one 'listen 80;' and one block of upstream servers")
    return text


@dataclass(frozen=True)
class Nginx:
    process: subprocess.Popen
    port: int
    prefix: Path

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def output(self):
        return "\n".join(read_log(self.prefix / name) for name in ("nginx.log", "error.log")
                         if (self.prefix / name).exists())


@contextlib.contextmanager
def nginx(app_ports, timeout=10):
    """Yield an Nginx on a free loopback port in front of the apps at app_ports."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder)
        os.chmod(prefix, 0o755)  # nginx's workers run as another user when it starts as root
        (prefix / "site.conf").write_text(render_site(port, app_ports))
        (prefix / "nginx.conf").write_text(MAIN.format(prefix=prefix))
        command = [nginx_program(), "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
                   "-e", str(prefix / "error.log"), "-g", "daemon off;"]
        with open(prefix / "nginx.log", "ab") as output:
            process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        started = Nginx(process, port, prefix)
        try:
            wait_until_started(f"nginx on port {port}", process, lambda: listens(port), timeout, started.output)
            yield started
        finally:
            stop_process(process)


@dataclass(frozen=True)
class ProxiedApps:
    """nginx, the app processes behind it (ServerProcess each) and how they were started."""

    proxy: Nginx
    apps: list
    async_mode: str
    app_args: tuple

    @property
    def url(self):
        return self.proxy.url

    def restart(self, app):
        """A context manager: a new app process on the port of `app`, which has stopped."""
        return server_process(self.async_mode, self.app_args, port=app.port)


@contextlib.contextmanager
def behind_nginx(async_mode="eventlet", processes=2, extra_args=()):
    """Yield ProxiedApps: `processes` app processes started with --proxy 1 (and
    extra_args, such as a shared message queue), and nginx from the example in
    front of them all."""
    app_args = ("--proxy", "1", *extra_args)
    with contextlib.ExitStack() as stack:
        apps = stack.enter_context(server_processes(processes, async_mode, app_args))
        proxy = stack.enter_context(nginx([app.port for app in apps]))
        yield ProxiedApps(proxy, apps, async_mode, app_args)
