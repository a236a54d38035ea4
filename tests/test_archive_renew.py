"""Algorithm aging (RFC 4998 style): renewal chains, and the seal's ML-DSA-65 signature that
must still convince when Ed25519 no longer does; witnesses refusing a rewritten log."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from archive_fixture import PURE_PYTHON, ArchiveYear, flip_byte, run_onefile
from click.testing import CliRunner

from archive_tools import verify_package as vp
from archive_tools.cli import archive
from archive_tools.errors import WitnessRefused
from archive_tools.keys import MLDSA65, MLDSASigner, certify, load_private_keys
from archive_tools.renew import make_renewal_key, renew
from archive_tools.verify import verify_packages
from archive_tools.witness import cosign

pytest_plugins = ["school", "archive_fixture"]


def _codes(pkg: Path, **options: object) -> set[str]:
    (report,) = verify_packages([str(pkg)], **options)  # type: ignore[arg-type]
    return {p["code"] for p in report.problems}


@pytest.fixture(scope="module")
def renewal_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("renewal-keys")
    make_renewal_key(base / "archive-2031.key", "archive.example/2031")
    make_renewal_key(base / "foreign.key", "archive.example/2031")
    return base / "archive-2031.key", base / "foreign.key"


@pytest.fixture
def renewed(package: Path, renewal_keys: tuple[Path, Path]) -> Path:
    """The package with three renewal links: SHA3-512, SHA-512, SHA3-512."""
    key, _ = renewal_keys
    for n, algorithm in enumerate(("sha3_512", "sha512", "sha3_512"), 1):
        renew(package, key, algorithm=algorithm, when=f"20{30 + 5 * n}-01-01T00:00:00Z")
    return package


def test_a_chain_of_three_renewals_verifies_and_says_what_each_link_relies_on(
    renewed: Path,
) -> None:
    (report,) = verify_packages([str(renewed)])
    assert report.ok, vp.render_text([report])
    links = report.data["renewals"]
    assert [(x["link"], x["hash"], x["time"]) for x in links] == [
        (1, "sha3_512", "2035-01-01T00:00:00Z"),
        (2, "sha512", "2040-01-01T00:00:00Z"),
        (3, "sha3_512", "2045-01-01T00:00:00Z"),
    ]
    for x in links:
        assert [(s["algorithm"], s["verdict"]) for s in x["signatures"]] == [
            ("Ed25519", "good"),
            ("ML-DSA-65", "good"),
        ]
    text = vp.render_text([report])
    assert "renewal link 2 of evidence/renewal-0002.txt: SHA512;" in text
    assert "vouches from 2045-01-01T00:00:00Z" in text
    import bagit

    bagit.Bag(str(renewed)).validate()  # renewals are tag files outside the manifests


@pytest.mark.parametrize("link", [1, 2, 3])
def test_breaking_any_link_is_detected(renewed: Path, link: int) -> None:
    target = renewed / "evidence" / f"renewal-{link:04d}.txt"
    text = target.read_text()
    # Change one listed file hash (the lines the link vouches for).
    line = next(x for x in text.splitlines() if x.startswith("file "))
    digest = line.split(" ")[1]
    target.write_text(text.replace(digest, digest[::-1], 1))
    codes = _codes(renewed)
    assert "renewal_signature" in codes
    if link < 3:
        assert "renewal_chain" in codes  # the next link holds the hash of this one


def test_a_removed_link_and_a_changed_file_are_detected(renewed: Path, tmp_path: Path) -> None:
    gap = tmp_path / "gap"
    shutil.copytree(renewed, gap)
    (gap / "evidence" / "renewal-0002.txt").unlink()
    assert "renewal_gap" in _codes(gap)
    changed = tmp_path / "changed"
    shutil.copytree(renewed, changed)
    flip_byte(changed / "data" / "docs" / "ARCHIVE.md")
    assert {"renewal_hash", "fixity", "seal_file"} <= _codes(changed)


def test_renewal_keys_trusted_out_of_band(renewed: Path, renewal_keys: tuple[Path, Path]) -> None:
    key, foreign = renewal_keys
    trusted = (key.parent / (key.name + ".pub")).read_text().split()
    assert _codes(renewed, renewal_keys=trusted) == set()
    # A last link re-made by someone else's key (same name) verifies on its own, but not
    # against the keys the archive trusts.
    (renewed / "evidence" / "renewal-0003.txt").unlink()
    renew(renewed, foreign)
    assert _codes(renewed) == set()
    assert _codes(renewed, renewal_keys=trusted) == {"renewal_untrusted"}


def _seal_parts(pkg: Path) -> tuple[str, list[str]]:
    seal = (pkg / vp.SEAL_FILE).read_text()
    cut = seal.rfind("\n\n") + 1
    return seal[:cut], seal[cut + 1 :].splitlines()


def test_an_ml_dsa_seal_signature_cut_or_from_a_foreign_key_is_detected(
    package: Path, archive_year: ArchiveYear, tmp_path: Path, crypto_python: list[str]
) -> None:
    text, lines = _seal_parts(package)
    ed_line, ml_line = lines
    cut = tmp_path / "cut"
    shutil.copytree(package, cut)
    (cut / vp.SEAL_FILE).write_text(text + "\n" + ed_line + "\n")
    assert "seal_mldsa_missing" in _codes(cut)
    foreign = tmp_path / "foreign"
    shutil.copytree(package, foreign)
    other = MLDSASigner.generate(archive_year.companion.name, MLDSA65)  # same name, other key
    (foreign / vp.SEAL_FILE).write_text(
        text + "\n" + ed_line + "\n" + other.sign(text.encode()).line()
    )
    assert "seal_mldsa_missing" in _codes(foreign)
    # The foreign key with a certificate of its own: not signed by the root, so not a companion.
    (foreign / "data" / "keys" / "root-mldsa65.cert").write_text(
        certify(other.vkey().text, "root-companion", [other])
    )
    assert {"certificate", "seal_mldsa_missing"} <= _codes(foreign)
    # Cut and foreign alike are found with no ML-DSA at hand: the line of the key is missing.
    for verdict in run_onefile(PURE_PYTHON, [cut, foreign]) + run_onefile(
        crypto_python, [cut, foreign]
    ):
        assert "seal_mldsa_missing" in verdict["codes"]


def test_a_bad_ml_dsa_seal_signature_is_found_where_ml_dsa_can_be_checked(
    package: Path, crypto_python: list[str]
) -> None:
    text, (ed_line, ml_line) = _seal_parts(package)
    name, blob = ml_line[2:].split(" ")
    raw = bytearray(vp.b64decode(blob))
    raw[100] ^= 0x01
    (package / vp.SEAL_FILE).write_text(
        text + "\n" + ed_line + "\n" + f"\u2014 {name} {vp.b64encode(bytes(raw))}\n"
    )
    assert {"seal_signature", "seal_fixity"} == _codes(package)
    (with_crypto,) = run_onefile(crypto_python, [package])
    assert set(with_crypto["codes"]) == {"seal_signature", "seal_fixity"}
    # Without ML-DSA: said to be not checked, and the seal's fixity record still catches it.
    (pure,) = run_onefile(PURE_PYTHON, [package])
    assert pure["codes"] == ["seal_fixity"] and "ML-DSA-65 not checked here" in pure["report"]


def test_the_root_keys_ml_dsa_companion_is_kept_beside_it_and_certified(
    archive_year: ArchiveYear,
) -> None:
    keys = archive_year.school / "keys"
    (companion,) = load_private_keys(keys / "root-mldsa65.key")
    assert companion == archive_year.companion
    assert (keys / "root-mldsa65.key").stat().st_mode & 0o077 == 0
    cert = (archive_year.school / "archive" / "keys" / "root-mldsa65.cert").read_text()
    note = vp.parse_note(cert.encode())
    assert vp.signature_of(note, vp.parse_vkey(archive_year.root.verifier().vkey()))
    assert f"key {companion.vkey().text}\nrole root-companion\n" in note.text


def test_a_witness_refuses_a_rewritten_log(archive_year: ArchiveYear, tmp_path: Path) -> None:
    school = tmp_path / "school"
    shutil.copytree(archive_year.school, school)
    key = tmp_path / "witness.key"
    shutil.copy(archive_year.witness_key, key)
    shutil.copy(f"{archive_year.witness_key}.state", f"{key}.state")
    (done,) = cosign(school, key, now=1_814_000_100)  # nothing new: consistent, cosigns again
    assert done.previous == done.size
    state = Path(f"{key}.state")
    text = state.read_text()
    size = done.size
    # The witness remembers a bigger tree than the school shows now: a rollback.
    state.write_text(text.replace(f'"size": {size}', f'"size": {size + 5}'))
    with pytest.raises(WitnessRefused, match="rollback"):
        cosign(school, key)
    # The witness cosigned another root at this size before: a fork.
    old_root = json.loads(text)[f"ejournal/feed/{archive_year.feed}"]["root"]
    other = vp.b64encode(hashlib.sha256(b"another history").digest())
    state.write_text(text.replace(old_root, other))
    with pytest.raises(WitnessRefused, match="fork"):
        cosign(school, key)
    result = CliRunner().invoke(archive, ["cosign", str(school), "--witness-key", str(key)])
    assert result.exit_code == 1 and "fork" in result.output
