"""`--https` against the real server: pages over TLS with the certificate it made,
Socket.IO over WSS, the certificate kept and reused, and --certfile/--keyfile."""

import contextlib
import datetime
import ipaddress
import socket
import ssl
import urllib.request
import uuid

import pytest
import requests
import socketio
from cryptography import x509

from pages.hosts import own_hosts
from serving import certificate
from signaling import NAMESPACE
from tests.harness.server import server_process

WAIT = 10
# The tests' clients trust the self-signed certificate on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="module")
def server_args(instance):
    return ("--https", "--instance-path", str(instance))


def handshake_certificate(port, server_name="localhost", context=None):
    """The certificate the server presents in the TLS handshake."""
    context = context or ssl._create_unverified_context()
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as raw, \
            context.wrap_socket(raw, server_hostname=server_name) as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def san_of(cert):
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(names.get_values_for_type(x509.DNSName)), set(names.get_values_for_type(x509.IPAddress))


def test_pages_come_over_https_with_the_certificate_it_made(server, instance):
    presented = handshake_certificate(server.port)
    kept = x509.load_pem_x509_certificate((instance / certificate.FILE_NAME).read_bytes())
    assert presented == kept
    dns, ips = san_of(presented)
    assert "localhost" in dns and socket.gethostname().lower() in dns
    assert {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")} <= ips
    assert {str(ip) for ip in ips} | dns >= {h.strip("[]") for h in own_hosts("0.0.0.0")}
    now = datetime.datetime.now(datetime.UTC)
    assert presented.not_valid_before_utc < now < presented.not_valid_after_utc - datetime.timedelta(days=300)

    # A client that trusts this certificate verifies the server by name and by address.
    trusting = ssl.create_default_context(cafile=instance / certificate.FILE_NAME)
    for name in ("localhost", "127.0.0.1"):
        assert handshake_certificate(server.port, name, trusting) == presented
    with urllib.request.urlopen(f"https://localhost:{server.port}/call?room=tls", context=trusting,
                                timeout=WAIT) as response:
        assert response.status == 200 and 'id="remote-video"' in response.read().decode()


def test_a_client_that_does_not_trust_it_is_refused(server):
    """Self-signed: nothing vouches for it, which is why browsers warn."""
    with pytest.raises(ssl.SSLCertVerificationError, match="self-signed"):
        handshake_certificate(server.port, context=ssl.create_default_context())


def untrusting_session():
    """requests ignores a session's verify=False when REQUESTS_CA_BUNDLE is set
    (psf/requests#3829), which ssl_verify=False relies on for long-polling."""
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.mark.parametrize("transports", [["websocket"], ["polling"]], ids=["wss", "polling over https"])
def test_a_socketio_client_joins_over_tls(server, transports):
    clients = [socketio.Client(reconnection=False, ssl_verify=False, http_session=untrusting_session())
               for _ in range(2)]
    room = f"https-{uuid.uuid4().hex}"
    try:
        for client in clients:
            client.connect(server.url, namespaces=[NAMESPACE], transports=transports, wait_timeout=WAIT)
            assert client.transport() == transports[0]
        replies = [client.call("join", {"room": room}, namespace=NAMESPACE, timeout=WAIT) for client in clients]
        assert replies == [{"ok": True, "role": "caller", "peers": 0}, {"ok": True, "role": "callee", "peers": 1}]
    finally:
        for client in clients:
            client.disconnect()


def test_the_certificate_is_made_once_and_reused_by_the_next_start(tmp_path):
    args = ("--https", "--instance-path", str(tmp_path))
    with server_process("threading", extra_args=args) as first:
        made = handshake_certificate(first.port)
    with server_process("threading", extra_args=args) as again:
        assert handshake_certificate(again.port) == made
        assert f"Self-signed certificate: {tmp_path / certificate.FILE_NAME}\n" in again.output()


@pytest.mark.parametrize("async_mode", ["eventlet", "threading"])
def test_certfile_and_keyfile_still_work(tmp_path, async_mode):
    key_pem, cert_pem = certificate.make({"localhost", "given.example"}, datetime.datetime.now(datetime.UTC)) \
        .split(b"-----BEGIN CERTIFICATE")
    (tmp_path / "key.pem").write_bytes(key_pem)
    (tmp_path / "cert.pem").write_bytes(b"-----BEGIN CERTIFICATE" + cert_pem)
    args = ("--certfile", str(tmp_path / "cert.pem"), "--keyfile", str(tmp_path / "key.pem"),
            "--instance-path", str(tmp_path / "instance"))
    with server_process(async_mode, extra_args=args) as started:
        assert san_of(handshake_certificate(started.port))[0] == {"localhost", "given.example"}
        assert "open https://localhost:" in started.output()
    assert not (tmp_path / "instance").exists()  # nothing made when a certificate is given


def test_a_connection_that_does_not_speak_tls_is_closed_quietly(server):
    """A port check (connect, then close) and an http:// URL typed for the https
    server: each connection is closed with no traceback in the log (gevent logged
    one for each, eventlet for the second), and pages are still served."""
    logged_before = len(server.output())
    socket.create_connection(("127.0.0.1", server.port), timeout=WAIT).close()
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as plain:
        plain.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        answer = b""
        with contextlib.suppress(ConnectionResetError):  # closed with the request unread
            while chunk := plain.recv(4096):
                answer += chunk
    assert not answer.startswith(b"HTTP/"), answer  # no page in plain text
    assert untrusting_session().get(server.url + "/", verify=False, timeout=WAIT).status_code == 200
    assert "Traceback" not in server.output()[logged_before:], server.output()[logged_before:]
