"""Tests of ejournal.log.note and ejournal.log.checkpoint: C2SP signed notes, cosignatures,
checkpoint texts and the framing of notes files.

Known answers come from Go's golang.org/x/mod/sumdb/note documentation (the PeterNeumann key
and note) and the C2SP signed-note example; the tlog-cosignature/v1 signed message is checked
against the specification's definition with ``cryptography`` directly.
"""

from __future__ import annotations

import base64
import struct
from hashlib import sha256

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ejournal.log.checkpoint import (
    Checkpoint,
    frame_note,
    parse_checkpoint,
    parse_decimal,
    read_notes,
)
from ejournal.log.errors import BadSignatureError, FormatError
from ejournal.log.note import (
    COSIGNATURE_V1,
    ED25519,
    MAX_SIGNATURES,
    CosignatureVerifier,
    Ed25519Signer,
    Ed25519Verifier,
    Note,
    Signature,
    cosignature_time,
    key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
)
from ejournal.log.witness import cosign

PROPERTIES = settings(max_examples=200, deadline=None)

# golang.org/x/mod/sumdb/note, package documentation.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_SIG_LINE = (
    "— PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
GO_NOTE = (GO_TEXT + "\n" + GO_SIG_LINE).encode()

ROOT = bytes(range(32))
TIMESTAMP = 1_788_226_200


def go_verifier() -> Ed25519Verifier:
    return parse_vkey(GO_VKEY)


def manual_key_id(name: str, sig_type: int, public_key: bytes) -> int:
    digest = sha256(name.encode() + b"\x0a" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def checkpoint_note(size: int = 5) -> tuple[Note, Ed25519Signer]:
    log = Ed25519Signer.generate("example.com/log")
    text = Checkpoint("example.com/log", size, ROOT).text()
    return sign_note(text, [log]), log


# --- the Go example -------------------------------------------------------------------------


def test_go_example_verifier_key_parses_with_its_name_and_key_id() -> None:
    verifier = go_verifier()
    assert verifier.name == "PeterNeumann"
    assert verifier.key_id == 0xC74F20A3
    assert verifier.sig_type == ED25519
    assert verifier.vkey() == GO_VKEY


def test_go_example_signer_key_parses_to_the_same_public_key() -> None:
    signer = parse_skey(GO_SKEY)
    assert signer.name == "PeterNeumann"
    assert signer.key_id == 0xC74F20A3
    assert signer.verifier() == go_verifier()
    assert signer.skey() == GO_SKEY


def test_key_id_is_the_first_four_bytes_of_sha256_of_name_newline_type_and_key() -> None:
    verifier = go_verifier()
    assert manual_key_id("PeterNeumann", ED25519, verifier.public_key) == 0xC74F20A3
    assert key_id("PeterNeumann", ED25519, verifier.public_key) == 0xC74F20A3


def test_go_example_note_verifies_with_its_published_key() -> None:
    note = parse_note(GO_NOTE)
    assert note.text == GO_TEXT
    good = open_note(note, [go_verifier()])
    assert [(s.name, s.key_id) for s in good] == [("PeterNeumann", 0xC74F20A3)]


def test_signing_the_go_example_text_reproduces_the_published_note_byte_for_byte() -> None:
    # Ed25519 is deterministic (RFC 8032), so the same key and text give the same bytes.
    assert sign_note(GO_TEXT, [parse_skey(GO_SKEY)]).encode() == GO_NOTE


@pytest.mark.parametrize(
    "changed",
    [
        GO_TEXT.replace("cryptography", "Cryptography"),
        GO_TEXT.replace("problem,", "problem;"),
        GO_TEXT.replace("is.\n", "is!\n"),
    ],
)
def test_go_example_signature_fails_on_a_one_character_change(changed: str) -> None:
    note = parse_note((changed + "\n" + GO_SIG_LINE).encode())
    with pytest.raises(BadSignatureError):
        open_note(note, [go_verifier()])


@pytest.mark.parametrize(
    "vkey",
    [
        GO_VKEY.replace("c74f20a3", "c74f20a4"),  # hash does not match the key
        GO_VKEY.replace("c74f20a3", "C74F20A3"),
        GO_VKEY.replace("PeterNeumann", "PeterNeumann2"),  # name is hashed into the ID
        GO_VKEY.replace("+ARpc", "+AhpC"),  # unknown type byte
        GO_VKEY[:-1],  # truncated key
        "PeterNeumann+c74f20a3",
    ],
)
def test_parse_vkey_refuses_a_key_whose_text_does_not_hold_together(vkey: str) -> None:
    with pytest.raises(FormatError):
        parse_vkey(vkey)


# --- C2SP signed-note rules -----------------------------------------------------------------

TEXT_CHARS = st.characters(min_codepoint=0x20, exclude_categories=("Cs",))
NAME_CHARS = st.characters(
    min_codepoint=0x21, exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="+"
)


@st.composite
def notes(draw: st.DrawFn) -> Note:
    lines = draw(st.lists(st.text(TEXT_CHARS, max_size=20), min_size=1, max_size=6))
    signatures = draw(
        st.lists(
            st.builds(
                Signature,
                st.text(NAME_CHARS, min_size=1, max_size=12),
                st.integers(0, 2**32 - 1),
                st.binary(min_size=1, max_size=80),
            ),
            min_size=1,
            max_size=MAX_SIGNATURES,
        )
    )
    return Note("\n".join(lines) + "\n", tuple(signatures))


@PROPERTIES
@given(notes())
def test_parse_note_of_an_encoded_note_gives_back_the_note_and_its_bytes(note: Note) -> None:
    data = note.encode()
    parsed = parse_note(data)
    assert parsed == note
    assert parsed.encode() == data


B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="


@PROPERTIES
@given(notes(), st.data())
def test_a_note_with_a_changed_signature_character_parses_only_if_it_re_encodes_identically(
    note: Note, data: st.DataObject
) -> None:
    text = note.encode().decode()
    start = len(note.text) + 1
    line_starts = [i for i in range(start, len(text)) if text[i - 1] == "\n"]
    line = data.draw(st.sampled_from(line_starts), label="line")
    end = text.index("\n", line)
    at = data.draw(st.integers(text.rindex(" ", line, end) + 1, end - 1), label="at")
    changed = (text[:at] + data.draw(st.sampled_from(B64_CHARS)) + text[at + 1 :]).encode()
    try:
        parsed = parse_note(changed)
    except FormatError:
        return
    assert parsed.encode() == changed


def test_note_text_may_hold_empty_lines_and_is_split_at_the_last_one() -> None:
    # The example of the C2SP signed-note specification.
    data = (
        "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\n"
        "ed è subito sera.\n\n— quasimodo.example/salvatore "
        "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
    ).encode()
    note = parse_note(data)
    assert note.text.endswith(":\n\ned è subito sera.\n")
    assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
    assert len(note.signatures[0].data) == 64
    assert note.encode() == data


def _go_note_with(text: str = GO_TEXT, sig_lines: str = GO_SIG_LINE) -> bytes:
    return (text + "\n" + sig_lines).encode()


SIG_B64 = GO_SIG_LINE.split(" ")[2].strip()

MALFORMED_NOTES = {
    "no blank line": (GO_TEXT + GO_SIG_LINE).encode(),
    "no final newline": GO_NOTE[:-1],
    "no signature lines": (GO_TEXT + "\n").encode(),
    "empty signature line": _go_note_with(sig_lines=GO_SIG_LINE + "\n"),
    "tab in text": _go_note_with(text=GO_TEXT.replace(" you", "\tyou", 1)),
    "carriage return": _go_note_with(text=GO_TEXT.replace("\n", "\r\n")),
    "nul in text": _go_note_with(text="\x00" + GO_TEXT),
    "escape in signature line": _go_note_with(sig_lines="\x1b" + GO_SIG_LINE),
    "invalid utf-8": GO_NOTE.replace(b"cryptography", b"crypt\xffgraphy"),
    "truncated utf-8 em dash": GO_NOTE.replace("—".encode(), "—".encode()[:2]),
    "hyphen for em dash": _go_note_with(sig_lines=GO_SIG_LINE.replace("—", "-")),
    "en dash for em dash": _go_note_with(sig_lines=GO_SIG_LINE.replace("—", "–")),
    "no space after dash": _go_note_with(sig_lines=GO_SIG_LINE.replace("— ", "—")),
    "base64 with a bad character": _go_note_with(sig_lines=GO_SIG_LINE.replace("/", "!", 1)),
    "base64 without padding": _go_note_with(sig_lines=GO_SIG_LINE.replace("=\n", "\n")),
    "base64 url alphabet": _go_note_with(sig_lines=GO_SIG_LINE.replace("/", "_")),
    "base64 with a space": _go_note_with(sig_lines=GO_SIG_LINE.replace("x08go", "x08 go")),
    # Same bytes as the published "…AM=", but re-encoding would not give these bytes back.
    "base64 with non-zero pad bits": _go_note_with(sig_lines=GO_SIG_LINE.replace("AM=", "AN=")),
    "empty signature": _go_note_with(sig_lines="— PeterNeumann \n"),
    "signature shorter than 5 bytes": _go_note_with(sig_lines="— PeterNeumann AAAAAA==\n"),
    "plus in key name": _go_note_with(sig_lines=GO_SIG_LINE.replace("Peter", "Peter+")),
    "space in key name": _go_note_with(sig_lines=GO_SIG_LINE.replace("Peter", "Peter ")),
    "no-break space in key name": _go_note_with(
        sig_lines=GO_SIG_LINE.replace("Peter", "Peter\u00a0")
    ),
    "empty key name": _go_note_with(sig_lines=GO_SIG_LINE.replace("PeterNeumann", "")),
    "more than 64 signatures": _go_note_with(sig_lines=GO_SIG_LINE * (MAX_SIGNATURES + 1)),
}


@pytest.mark.parametrize("data", MALFORMED_NOTES.values(), ids=MALFORMED_NOTES.keys())
def test_parse_note_refuses_a_note_that_breaks_the_signed_note_format(data: bytes) -> None:
    with pytest.raises(FormatError):
        parse_note(data)


def test_parse_note_accepts_exactly_64_signatures() -> None:
    note = parse_note(_go_note_with(sig_lines=GO_SIG_LINE * MAX_SIGNATURES))
    assert len(note.signatures) == MAX_SIGNATURES == 64


def _with_signatures(note: Note, *extra: Signature) -> Note:
    return parse_note(Note(note.text, note.signatures + extra).encode())


def test_open_note_ignores_signatures_of_unknown_keys() -> None:
    stranger = Ed25519Signer.generate("example.com/stranger")
    garbage = bytes(64)
    note = _with_signatures(
        parse_note(GO_NOTE),
        stranger.sign(GO_TEXT.encode()),
        Signature("PeterNeumann", 0xC74F20A3 ^ 1, garbage),  # known name, other ID
        Signature("PeterNeumann2", 0xC74F20A3, garbage),  # known ID, other name
    )
    good = open_note(note, [go_verifier()])
    assert [(s.name, s.key_id) for s in good] == [("PeterNeumann", 0xC74F20A3)]


def test_open_note_returns_every_known_signature_that_verifies() -> None:
    second = Ed25519Signer.generate("example.com/second")
    note = _with_signatures(parse_note(GO_NOTE), second.sign(GO_TEXT.encode()))
    good = open_note(note, [second.verifier(), go_verifier()])
    assert [s.name for s in good] == ["PeterNeumann", "example.com/second"]


def test_open_note_rejects_a_note_where_a_known_keys_signature_fails() -> None:
    published = parse_note(GO_NOTE).signatures[0]
    forged = bytearray(published.data)
    forged[10] ^= 0x01
    second = Ed25519Signer.generate("example.com/second")
    note = _with_signatures(
        sign_note(GO_TEXT, [second]), Signature("PeterNeumann", 0xC74F20A3, bytes(forged))
    )
    with pytest.raises(BadSignatureError):
        open_note(note, [second.verifier(), go_verifier()])


def test_open_note_rejects_a_note_that_no_known_key_signed() -> None:
    stranger = Ed25519Signer.generate("example.com/stranger")
    with pytest.raises(BadSignatureError):
        open_note(parse_note(GO_NOTE), [stranger.verifier()])
    with pytest.raises(BadSignatureError):
        open_note(parse_note(GO_NOTE), [])


def test_a_plain_ed25519_signature_does_not_pass_for_a_cosignature_of_the_same_key() -> None:
    # Same name and seed, other type byte: another key ID, so the line is not the witness's.
    device = Ed25519Signer.generate("example.com/w")
    witness = Ed25519Signer("example.com/w", device.seed, COSIGNATURE_V1)
    note, _ = checkpoint_note()
    plain = _with_signatures(note, device.sign(note.text.encode()))
    with pytest.raises(BadSignatureError):
        open_note(plain, [witness.verifier()])


# --- tlog-cosignature/v1 ------------------------------------------------------------------------


def test_cosignature_key_id_uses_type_byte_0x04() -> None:
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    expected = manual_key_id("witness.example/w1", 0x04, witness.public_key)
    assert witness.key_id == expected
    assert witness.verifier().key_id == expected
    assert witness.key_id != manual_key_id("witness.example/w1", 0x01, witness.public_key)


def test_cosignature_vkey_round_trips_as_a_cosignature_verifier() -> None:
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    vkey = witness.verifier().vkey()
    assert base64.b64decode(vkey.split("+", 2)[2])[0] == 0x04
    parsed = parse_vkey(vkey)
    assert isinstance(parsed, CosignatureVerifier)
    assert parsed == witness.verifier()
    assert parse_skey(witness.skey()) == witness


def test_cosignature_signs_cosignature_v1_header_time_line_and_checkpoint() -> None:
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    text = Checkpoint("example.com/log", 20852163, ROOT).text().encode()
    sig = witness.sign(text, timestamp=TIMESTAMP)
    assert len(sig.data) == 8 + 64
    assert sig.data[:8] == struct.pack(">Q", TIMESTAMP)
    assert cosignature_time(sig) == TIMESTAMP
    message = b"cosignature/v1\ntime 1788226200\n" + text
    # Checked with cryptography directly: raises InvalidSignature if the message differs.
    Ed25519PublicKey.from_public_bytes(witness.public_key).verify(sig.data[8:], message)
    assert CosignatureVerifier(witness.name, witness.public_key).verify(text, sig.data)


def test_cosignature_needs_a_timestamp() -> None:
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    with pytest.raises(ValueError, match="timestamp"):
        witness.sign(b"example.com/log\n1\n" + base64.b64encode(ROOT) + b"\n")


def test_cosign_adds_a_witness_line_that_open_note_accepts() -> None:
    note, log = checkpoint_note()
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    cosigned = parse_note(cosign(note, witness, timestamp=TIMESTAMP).encode())
    assert cosigned.text == note.text
    assert cosigned.signatures[:-1] == note.signatures
    good = open_note(cosigned, [witness.verifier()])
    assert [(s.name, cosignature_time(s)) for s in good] == [(witness.name, TIMESTAMP)]
    assert len(open_note(cosigned, [log.verifier(), witness.verifier()])) == 2


def test_cosignature_with_a_changed_timestamp_fails() -> None:
    note, _ = checkpoint_note()
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    line = cosign(note, witness, timestamp=TIMESTAMP).signatures[-1]
    moved = Signature(line.name, line.key_id, struct.pack(">Q", TIMESTAMP + 1) + line.data[8:])
    tampered = _with_signatures(note, moved)
    with pytest.raises(BadSignatureError):
        open_note(tampered, [witness.verifier()])


def test_cosignature_with_a_timestamp_above_2_63_minus_1_is_refused() -> None:
    note, _ = checkpoint_note()
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    line = witness.sign(note.text.encode(), timestamp=2**63)
    assert not witness.verifier().verify(note.text.encode(), line.data)
    with pytest.raises(BadSignatureError):
        open_note(_with_signatures(note, line), [witness.verifier()])


def test_cosign_refuses_a_plain_signing_key_and_a_note_that_is_not_a_checkpoint() -> None:
    note, log = checkpoint_note()
    with pytest.raises(ValueError, match="0x04"):
        cosign(note, log, timestamp=TIMESTAMP)
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    with pytest.raises(FormatError):
        cosign(parse_note(GO_NOTE), witness, timestamp=TIMESTAMP)


# --- checkpoints ---------------------------------------------------------------------------------

ORIGIN_CHARS = st.characters(
    min_codepoint=0x21, exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), exclude_characters="+"
)


@PROPERTIES
@given(
    st.text(ORIGIN_CHARS, min_size=1, max_size=40),
    st.integers(0, 2**63 - 1),
    st.binary(min_size=32, max_size=32),
)
def test_checkpoint_text_parses_back_to_the_same_checkpoint_and_text(
    origin: str, size: int, root: bytes
) -> None:
    checkpoint = Checkpoint(origin, size, root)
    text = checkpoint.text()
    assert text.count("\n") == 3
    assert parse_checkpoint(text) == checkpoint
    assert parse_checkpoint(text).text() == text


GOOD_ROOT = base64.b64encode(ROOT).decode()
MALFORMED_CHECKPOINTS = {
    "two lines": "example.com/log\n7\n",
    "extension line": f"example.com/log\n7\n{GOOD_ROOT}\nextension\n",
    "no final newline": f"example.com/log\n7\n{GOOD_ROOT}",
    "empty origin": f"\n7\n{GOOD_ROOT}\n",
    "space in origin": f"example.com/my log\n7\n{GOOD_ROOT}\n",
    "size with plus sign": f"example.com/log\n+7\n{GOOD_ROOT}\n",
    "size with leading zero": f"example.com/log\n07\n{GOOD_ROOT}\n",
    "size with underscore": f"example.com/log\n0_7\n{GOOD_ROOT}\n",
    "size with leading space": f"example.com/log\n 7\n{GOOD_ROOT}\n",
    "size with trailing space": f"example.com/log\n7 \n{GOOD_ROOT}\n",
    "negative size": f"example.com/log\n-7\n{GOOD_ROOT}\n",
    "empty size": f"example.com/log\n\n{GOOD_ROOT}\n",
    "non-ascii digit size": "example.com/log\n\u0667\n" + GOOD_ROOT + "\n",
    "hex size": f"example.com/log\n0x7\n{GOOD_ROOT}\n",
    "root of 31 bytes": f"example.com/log\n7\n{base64.b64encode(ROOT[:31]).decode()}\n",
    "root of 33 bytes": f"example.com/log\n7\n{base64.b64encode(ROOT + b'x').decode()}\n",
    "root without padding": f"example.com/log\n7\n{GOOD_ROOT.rstrip('=')}\n",
    "root with url alphabet": f"example.com/log\n7\n{'_' * 42}8=\n",
    "root with a space": f"example.com/log\n7\n {GOOD_ROOT}\n",
    "root in hex": f"example.com/log\n7\n{ROOT.hex()}\n",
    # "…Hh8=" with non-zero pad bits: the same 32 bytes, but text() could not give it back.
    "root with non-zero pad bits": f"example.com/log\n7\n{GOOD_ROOT[:-2]}9=\n",
}


@pytest.mark.parametrize("text", MALFORMED_CHECKPOINTS.values(), ids=MALFORMED_CHECKPOINTS.keys())
def test_parse_checkpoint_refuses_text_that_is_not_a_strict_checkpoint(text: str) -> None:
    with pytest.raises(FormatError):
        parse_checkpoint(text)


@pytest.mark.parametrize("text", ["0", "7", "10", "9223372036854775807"])
def test_parse_decimal_accepts_canonical_decimals(text: str) -> None:
    assert parse_decimal(text, "size") == int(text)
    assert str(parse_decimal(text, "size")) == text


# --- notes files ---------------------------------------------------------------------------------


def _notes_file() -> tuple[list[Note], bytes]:
    """Three signed checkpoints, the last one cosigned (so notes differ in line count)."""
    log = Ed25519Signer.generate("example.com/log")
    witness = Ed25519Signer.generate("witness.example/w1", COSIGNATURE_V1)
    notes = [
        sign_note(Checkpoint("example.com/log", size, sha256(b"%d" % size).digest()).text(), [log])
        for size in (1, 2, 3)
    ]
    notes[2] = cosign(notes[2], witness, timestamp=TIMESTAMP)
    return notes, b"".join(frame_note(n) for n in notes)


def test_frame_note_is_the_note_and_one_empty_line() -> None:
    note = parse_note(GO_NOTE)
    assert frame_note(note) == GO_NOTE + b"\n"


def test_read_notes_returns_each_note_with_its_offset_and_first_line_number() -> None:
    notes, data = _notes_file()
    found = read_notes(data)
    assert [r.note for r in found.records] == notes
    assert [r.raw for r in found.records] == [n.encode() for n in notes]
    offsets = [data.index(n.encode()) for n in notes]
    assert [r.offset for r in found.records] == offsets
    assert [r.line for r in found.records] == [data[:o].count(b"\n") + 1 for o in offsets]
    assert [r.line for r in found.records] == [1, 7, 13]
    assert found.valid_length == len(data)
    assert not found.torn_tail


def test_read_notes_of_a_file_cut_at_any_byte_keeps_the_complete_notes_and_flags_the_rest() -> None:
    notes, data = _notes_file()
    ends = [0]
    for note in notes:
        ends.append(ends[-1] + len(frame_note(note)))
    for cut in range(len(data) + 1):
        found = read_notes(data[:cut])
        complete = sum(1 for end in ends[1:] if end <= cut)
        assert [r.note for r in found.records] == notes[:complete], cut
        assert found.valid_length == ends[complete], cut
        assert found.torn_tail == (cut != ends[complete]), cut


def test_read_notes_names_the_line_of_a_complete_note_that_does_not_parse() -> None:
    notes, data = _notes_file()
    second = frame_note(notes[1])
    broken = second.replace("—".encode(), b"-")
    with pytest.raises(FormatError) as caught:
        read_notes(data.replace(second, broken))
    assert caught.value.place == "line 7"
