"""HTTPS on the school network (issue #10): the school CA and server certificate verify as a
chain with ``cryptography``'s own path validation, and Chromium — trusting that one server key
(``--ignore-certificate-errors-spki-list``), not ignoring certificate errors — reaches the
journal over https on loopback. Without the key pinned Chromium refuses the certificate."""

from __future__ import annotations

import ipaddress
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser import screenshot
from cryptography import x509
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
from https_site import https_server, launch_pinned

from ejournal.datadir import init_data_dir
from ejournal.tls import issue, server_certificate, spki_sha256, tls_files
from web import create_app

pytest_plugins = ["browser"]


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tls") / "school"
    init_data_dir(path)
    issue(path, ["journal.school.local"], ["192.168.1.10"], school="МБОУ «Средняя школа № 7»")
    return path


def chain(path: Path) -> tuple[x509.Certificate, x509.Certificate]:
    leaf, ca = x509.load_pem_x509_certificates((path / "tls" / "server.crt").read_bytes())
    assert ca == x509.load_pem_x509_certificate((path / "tls" / "ca.crt").read_bytes())
    return leaf, ca


def test_the_chain_verifies_for_the_names_and_addresses_given(school: Path) -> None:
    leaf, ca = chain(school)
    verifier = PolicyBuilder().store(Store([ca])).time(datetime.now(UTC))
    for name in (x509.DNSName("journal.school.local"), x509.DNSName("localhost")):
        built = verifier.build_server_verifier(name).verify(leaf, [])
        assert built[-1] == ca
    for ip in ("192.168.1.10", "127.0.0.1"):
        verifier.build_server_verifier(x509.IPAddress(ipaddress.ip_address(ip))).verify(leaf, [])
    with pytest.raises(VerificationError):  # not for another name
        verifier.build_server_verifier(x509.DNSName("example.org")).verify(leaf, [])
    other = x509.load_pem_x509_certificate((school / "tls" / "ca.crt").read_bytes())
    assert other.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.not_valid_after_utc - leaf.not_valid_before_utc <= timedelta(days=826)  # iOS


def test_private_keys_are_0600_and_a_second_run_keeps_the_ca(school: Path, tmp_path: Path) -> None:
    for name in ("ca.key", "server.key"):
        assert stat.S_IMODE((school / "tls" / name).stat().st_mode) == 0o600
    ca_before = (school / "tls" / "ca.crt").read_bytes()
    leaf_before = chain(school)[0]
    again = issue(school, ["journal.school.local", "ej.school.local"], ["192.168.1.10"])
    assert not again.new_ca and (school / "tls" / "ca.crt").read_bytes() == ca_before
    leaf, ca = chain(school)
    assert leaf != leaf_before and "ej.school.local" in again.names
    PolicyBuilder().store(Store([ca])).build_server_verifier(
        x509.DNSName("ej.school.local")
    ).verify(leaf, [])


def test_chromium_reaches_the_journal_over_https_trusting_only_this_key(
    school: Path, chromium: Any
) -> None:
    from playwright.sync_api import Error

    pin = spki_sha256(server_certificate(tls_files(school)))
    with https_server(create_app(school), school) as url:
        trusting = launch_pinned(chromium.browser_type, pin)
        try:
            page = trusting.new_page()
            response = page.goto(url + "/login")
            assert response is not None and response.ok
            assert page.get_by_role("button", name="Войти").is_visible()
            assert page.evaluate("window.isSecureContext") is True
            screenshot(page, "tls-login")
            page.goto(url + "/tls")
            assert "Доверенные корневые центры сертификации" in page.content()
        finally:
            trusting.close()
        plain = launch_pinned(chromium.browser_type, None)
        try:
            with pytest.raises(Error, match="ERR_CERT_AUTHORITY_INVALID"):
                plain.new_page().goto(url + "/login")
        finally:
            plain.close()


def test_ca_certificate_is_downloadable_from_the_trust_page(school: Path) -> None:
    from litestar.testing import TestClient

    with TestClient(create_app(school), base_url="https://localhost") as client:
        page = client.get("/tls")
        assert page.status_code == 200 and "/tls/ca.crt" in page.text
        cert = client.get("/tls/ca.crt")
        assert cert.status_code == 200
        assert cert.content == (school / "tls" / "ca.crt").read_bytes()


def test_keys_shows_the_ca_fingerprint_devices_display(school: Path) -> None:
    from click.testing import CliRunner
    from cryptography.hazmat.primitives import hashes

    from ejournal.cli import main

    ca = chain(school)[1]
    expected = ca.fingerprint(hashes.SHA256()).hex(":").upper()
    result = CliRunner().invoke(main, ["keys", str(school)])
    assert result.exit_code == 0 and expected in result.output
    assert "tls/ca.key (0600)" in result.output
