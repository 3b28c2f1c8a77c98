"""`--https`: a self-signed certificate, made on first use and reused while it is valid.

Browsers open the camera only on localhost or over HTTPS, so a phone on the LAN
needs HTTPS. No authority vouches for this certificate: each device shows a
warning once, which the call page explains. The certificate names localhost,
127.0.0.1, [::1], this machine's addresses and its host name, so one certificate
serves every address a device may use. It is made again when it expires within
RENEW_BEFORE, or when this machine has an address or name it does not cover
(a new Wi-Fi network, say): then each device accepts the new one once more.

Key and certificate are kept together in one file (mode 0600), replaced in one
rename: two servers starting at once never see a key with the other's certificate.
"""

import contextlib
import datetime
import ipaddress
import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

FILE_NAME = "self-signed.pem"  # in the instance folder
VALID_FOR = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=30)
COMMON_NAME = "WebRTC tutorial (self-signed)"


def ensure(folder, hosts, now=None):
    """The path of a PEM file holding a key and a certificate for every name in
    hosts (as pages.hosts.own_hosts gives them: names, addresses, [IPv6]):
    the one in folder if it is still good, else a new one."""
    now = now or datetime.datetime.now(datetime.UTC)
    path = Path(folder) / FILE_NAME
    if not still_good(path, hosts, now):
        write(path, make(hosts, now))
    return path


def still_good(path, hosts, now):
    """path holds a key and its certificate, valid now and past RENEW_BEFORE, naming every host."""
    try:
        pem = path.read_bytes()
        certificate = x509.load_pem_x509_certificate(pem)
        key = serialization.load_pem_private_key(pem, password=None)
    except (OSError, ValueError):
        return False
    return (key.public_key() == certificate.public_key()
            and certificate.not_valid_before_utc <= now
            and now + RENEW_BEFORE < certificate.not_valid_after_utc
            and wanted_names(hosts) <= names_of(certificate))


def make(hosts, now):
    """PEM text: a new P-256 key and a certificate for hosts, signed by that key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, COMMON_NAME)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))  # a device whose clock is a little behind
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.SubjectAlternativeName(sorted(wanted_names(hosts), key=str)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem + certificate.public_bytes(serialization.Encoding.PEM)


def write(path, pem):
    """Replace path with pem in one rename, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".self-signed-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(pem)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def wanted_names(hosts):
    """The subject alternative names for hosts: an IP address entry for each
    address, a DNS name entry for each name."""
    names = set()
    for host in hosts:
        text = host[1:-1] if host.startswith("[") else host
        try:
            names.add(x509.IPAddress(ipaddress.ip_address(text)))
        except ValueError:
            names.add(x509.DNSName(text))
    return names


def names_of(certificate):
    try:
        return set(certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        return set()
