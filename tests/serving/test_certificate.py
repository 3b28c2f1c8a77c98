"""--https's self-signed certificate: its names, its validity, reused while good, made again when not."""

import datetime
import ipaddress
import ssl

import pytest
from cryptography import x509

from pages.hosts import own_hosts
from serving import certificate

NOW = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)
HOSTS = {"localhost", "127.0.0.1", "[::1]", "192.168.1.20", "[2001:db8::20]", "laptop", "laptop.local"}


def loaded(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def san(path):
    names = loaded(path).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(names.get_values_for_type(x509.DNSName)), set(names.get_values_for_type(x509.IPAddress))


def is_address(host):
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def test_it_names_localhost_loopback_the_lan_addresses_and_the_host_name(tmp_path):
    path = certificate.ensure(tmp_path, HOSTS, now=NOW)
    dns, ips = san(path)
    assert dns == {"localhost", "laptop", "laptop.local"}
    assert ips == {ipaddress.ip_address(a) for a in ("127.0.0.1", "::1", "192.168.1.20", "2001:db8::20")}


def test_this_machines_own_names_are_covered(tmp_path):
    """With the real list of this machine's names and addresses, as the server passes it."""
    hosts = own_hosts("0.0.0.0")
    dns, ips = san(certificate.ensure(tmp_path, hosts, now=NOW))
    assert {"localhost"} <= dns and ipaddress.ip_address("127.0.0.1") in ips
    addresses = {h for h in hosts if is_address(h)}
    assert dns == hosts - addresses
    assert ips == {ipaddress.ip_address(h.strip("[]")) for h in addresses}


def test_it_is_valid_for_a_year_from_now_and_only_for_a_server(tmp_path):
    cert = loaded(certificate.ensure(tmp_path, HOSTS, now=NOW))
    assert cert.not_valid_before_utc <= NOW < cert.not_valid_before_utc + datetime.timedelta(minutes=10)
    assert cert.not_valid_after_utc == NOW + datetime.timedelta(days=365)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.issuer == cert.subject  # self-signed


def test_pythons_tls_accepts_it_as_certificate_and_key(tmp_path):
    path = certificate.ensure(tmp_path, HOSTS, now=datetime.datetime.now(datetime.UTC))
    ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(path, path)


def test_only_its_owner_may_read_it(tmp_path):
    path = certificate.ensure(tmp_path / "instance", HOSTS, now=NOW)
    assert path.parent == tmp_path / "instance"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == [certificate.FILE_NAME]  # no temporary file left


def test_it_is_reused_while_it_is_good(tmp_path):
    first = certificate.ensure(tmp_path, HOSTS, now=NOW).read_bytes()
    later = NOW + datetime.timedelta(days=300)
    assert certificate.ensure(tmp_path, HOSTS, now=later).read_bytes() == first
    # Fewer names than it covers (a network left) is no reason for a new one.
    assert certificate.ensure(tmp_path, HOSTS - {"192.168.1.20"}, now=later).read_bytes() == first


@pytest.mark.parametrize("days", [336, 365, 400])
def test_it_is_made_again_near_its_end_and_after_it(tmp_path, days):
    first = certificate.ensure(tmp_path, HOSTS, now=NOW).read_bytes()
    later = NOW + datetime.timedelta(days=days)
    path = certificate.ensure(tmp_path, HOSTS, now=later)
    assert path.read_bytes() != first
    assert loaded(path).not_valid_after_utc == later + datetime.timedelta(days=365)


def test_it_is_made_again_before_it_is_valid(tmp_path):
    """A certificate from a clock that ran ahead: browsers would refuse it."""
    first = certificate.ensure(tmp_path, HOSTS, now=NOW).read_bytes()
    assert certificate.ensure(tmp_path, HOSTS, now=NOW - datetime.timedelta(days=1)).read_bytes() != first


@pytest.mark.parametrize("new_host", ["10.0.0.7", "[fd00::7]", "laptop-2"])
def test_it_is_made_again_for_an_address_or_name_it_does_not_cover(tmp_path, new_host):
    certificate.ensure(tmp_path, HOSTS, now=NOW)
    path = certificate.ensure(tmp_path, HOSTS | {new_host}, now=NOW + datetime.timedelta(days=1))
    dns, ips = san(path)
    assert new_host.strip("[]") in {*dns, *map(str, ips)}
    assert "192.168.1.20" in map(str, ips)


@pytest.mark.parametrize("damage", ["empty", "garbage", "other key"])
def test_a_damaged_file_is_replaced(tmp_path, damage):
    path = certificate.ensure(tmp_path, HOSTS, now=NOW)
    pem = path.read_bytes()
    other_key = certificate.make(HOSTS, NOW).split(b"-----BEGIN CERTIFICATE")[0]
    path.write_bytes({"empty": b"", "garbage": b"not a certificate",
                      "other key": other_key + b"-----BEGIN CERTIFICATE" + pem.split(b"-----BEGIN CERTIFICATE")[1]}
                     [damage])
    path = certificate.ensure(tmp_path, HOSTS, now=NOW)
    assert certificate.still_good(path, HOSTS, NOW)
