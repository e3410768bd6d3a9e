"""Types come from the bytes, never the name; polyglots are found by their structure."""

from __future__ import annotations

import pytest

from signage.content import filetypes
from signage.content.imaging import fitted_size
from signage.content.media import BadUpload, check_filename
from tests import media_files as files


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (files.jpeg, filetypes.JPEG),
        (files.png_with_alpha, filetypes.PNG),
        (files.animated_gif, filetypes.GIF),
        (files.webp, filetypes.WEBP),
        (files.avif, filetypes.AVIF),
        (files.heic, filetypes.HEIC),
        (files.pdf, filetypes.PDF),
        (lambda: files.video("mp4"), filetypes.MP4),
        (lambda: files.video("webm"), filetypes.WEBM),
    ],
)
def test_each_accepted_type_is_known_by_its_first_bytes(make: object, expected: object) -> None:
    assert filetypes.sniff(make()[: filetypes.SNIFF_BYTES]) is expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (files.html(), "HTML"),
        (files.svg_with_script(), "SVG"),
        (b"  <svg onload=alert(1)>", "SVG"),
        (files.zip_archive(), "ZIP"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "brand 'qt  '"),
        (b"\x1a\x45\xdf\xa3\x01\x00\x00\x00\x00\x00\x00\x1f\x42\x82\x88matroska", "Matroska"),
        (b"", "not a type we accept"),
        (b"MZ\x90\x00", "not a type we accept"),
    ],
)
def test_other_files_are_refused_with_the_accepted_types_named(data: bytes, named: str) -> None:
    with pytest.raises(filetypes.UnsupportedType) as refused:
        filetypes.sniff(data)

    assert named in str(refused.value)
    assert filetypes.ACCEPTED in str(refused.value)


def test_a_gif_ends_at_its_trailer_and_a_script_after_it_is_counted() -> None:
    assert filetypes.gif_trailing_bytes(files.animated_gif()) == 0
    assert filetypes.gif_trailing_bytes(files.gif_script_polyglot()) > 0


def test_a_gif_cut_short_is_broken_not_trailing() -> None:
    whole = files.animated_gif()

    with pytest.raises(ValueError, match=r"cut short|no trailer"):
        filetypes.gif_trailing_bytes(whole[: len(whole) // 2])


def test_markup_is_found_in_any_case_but_plain_binary_is_not() -> None:
    assert filetypes.find_markup(b"\x00\x01<ScRiPt>x") == "<ScRiPt"
    assert filetypes.find_markup(files.jpeg(800, 600)) is None


@pytest.mark.parametrize(
    ("source", "box", "mode", "expected"),
    [
        ((6000, 4000), (1920, 1080), "fit", (1620, 1080)),
        ((6000, 4000), (1920, 1080), "fill", (1920, 1280)),
        ((6000, 4000), (1080, 1920), "fit", (1080, 720)),
        ((6000, 4000), (1080, 1920), "fill", (2880, 1920)),
        ((800, 600), (1920, 1080), "fit", (800, 600)),  # never upscaled
        ((800, 600), (1920, 1080), "fill", (800, 600)),
    ],
)
def test_sizes_fit_inside_or_cover_the_box_and_never_grow(
    source: tuple[int, int], box: tuple[int, int], mode: str, expected: tuple[int, int]
) -> None:
    assert fitted_size(*source, *box, mode) == expected


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("Plakat jul 2026.pdf", False),
        ("v2..endelig.pdf", False),
        ("../../etc/passwd\x00.jpg", True),
        ("mappe/foto.jpg", True),
        ("mappe\\foto.jpg", True),
        ("..", True),
        ("foto\n.jpg", True),
        ("x" * 256, True),
    ],
)
def test_upload_names_are_plain_names(name: str, refused: bool) -> None:
    if refused:
        with pytest.raises(BadUpload):
            check_filename(name)
    else:
        check_filename(name)
