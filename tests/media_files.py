"""Generated media for the upload tests: every accepted type, and hostile files.

Everything is made here from code (Pillow, pillow-heif, PyAV), so the tests need no
binary fixtures; each generator returns the file's bytes.
"""

from __future__ import annotations

import io
import struct
import zipfile
from fractions import Fraction
from pathlib import Path

from PIL import ExifTags, Image

# Four quadrants of distinct colours: any flip or rotation shows.
QUADRANTS = {"top_left": (220, 30, 30), "top_right": (30, 200, 30)}
QUADRANTS |= {"bottom_left": (30, 30, 220), "bottom_right": (240, 240, 240)}
# ImageOps.exif_transpose undoes orientation n with this method; each file is stored
# with the inverse, so a correct reader sees the upright picture.
STORED_AS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def quadrants(width: int = 300, height: int = 200) -> Image.Image:
    image = Image.new("RGB", (width, height))
    half_w, half_h = width // 2, height // 2
    image.paste(QUADRANTS["top_left"], (0, 0, half_w, half_h))
    image.paste(QUADRANTS["top_right"], (half_w, 0, width, half_h))
    image.paste(QUADRANTS["bottom_left"], (0, half_h, half_w, height))
    image.paste(QUADRANTS["bottom_right"], (half_w, half_h, width, height))
    return image


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg(width: int = 300, height: int = 200, **options: object) -> bytes:
    return encode(quadrants(width, height), "JPEG", quality=90, **options)


def phone_photo(orientation: int) -> bytes:
    """A JPEG as phones write them: rotated pixels, an orientation tag and GPS."""
    upright = quadrants()
    stored = upright.transpose(STORED_AS[orientation]) if orientation in STORED_AS else upright
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Telefon"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (55.0, 44.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (12.0, 28.0, 30.0),
    }
    return encode(stored, "JPEG", quality=92, exif=exif)


def png_with_alpha() -> bytes:
    image = quadrants().convert("RGBA")
    image.putalpha(128)
    return encode(image, "PNG")


def webp() -> bytes:
    return encode(quadrants(), "WEBP", quality=90)


def avif() -> bytes:
    return encode(quadrants(), "AVIF", quality=80)


def heic() -> bytes:
    from pillow_heif import register_heif_opener

    register_heif_opener()
    return encode(quadrants(), "HEIF", quality=80)


def animated_gif(frames: int = 3) -> bytes:
    colours = [(200, 0, 0), (0, 200, 0), (0, 0, 200), (200, 200, 0)]
    pictures = [Image.new("RGB", (120, 80), colours[i % len(colours)]) for i in range(frames)]
    return encode(pictures[0], "GIF", save_all=True, append_images=pictures[1:], duration=200)


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (200, 100), (255, 0, 0, 0)), "JPEG", quality=95)


def adobe_rgb_jpeg(colour: tuple[int, int, int]) -> bytes:
    return encode(Image.new("RGB", (200, 100), colour), "JPEG", quality=98, icc_profile=adobe_rgb())


def adobe_rgb() -> bytes:
    """An ICC v2 matrix/TRC profile with the Adobe RGB (1998) primaries, adapted to D50."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + b"\0" * 4 + s15(x) + s15(y) + s15(z)

    gamma = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 563) + b"\0\0"  # 563/256 = 2.2
    description = b"desc" + b"\0" * 4 + struct.pack(">I", 10) + b"Adobe RGB\0" + b"\0" * 79
    tags = [
        (b"desc", description),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
        (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I", size) + b"\0" * 4 + bytes([2, 0x10, 0, 0])
    header += b"mntrRGB XYZ " + b"\0" * 12 + b"acsp" + b"\0" * 24
    header += struct.pack(">I", 0) + xyz(0.9642, 1.0, 0.8249)[8:] + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def pdf(pages: int = 3, size: tuple[int, int] = (297, 210)) -> bytes:
    colours = [(200, 30, 30), (30, 160, 30), (30, 30, 200)]
    images = [Image.new("RGB", size, colours[i % len(colours)]) for i in range(pages)]
    return encode(images[0], "PDF", save_all=True, append_images=images[1:], resolution=72)


def pdf_with_javascript_and_attachment() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R"
        b" /Names << /JavaScript 4 0 R /EmbeddedFiles 6 0 R >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Names [(run) 5 0 R] >>",
        b"<< /S /JavaScript /JS (app.alert\\('hej'\\);) >>",
        b"<< /Names [(notes.txt) 7 0 R] >>",
        b"<< /Type /Filespec /F (notes.txt) /EF << /F 8 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length 5 >>\nstream\nhello\nendstream",
    ]
    return handmade_pdf(objects)


def handmade_pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Root 1 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def video(fmt: str = "mp4", seconds: int = 2, size: tuple[int, int] = (320, 240)) -> bytes:
    import av

    codec = {"mp4": "libx264", "webm": "libvpx-vp9"}[fmt]
    out = io.BytesIO()
    with av.open(out, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=10)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 10)
        for index in range(seconds * 10):
            picture = quadrants(*size).rotate(index * 9)
            frame = av.VideoFrame.from_image(picture)
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


# -- hostile ----------------------------------------------------------------------
def decompression_bomb() -> bytes:
    """A few kilobytes that would decode to 144 megapixels."""
    return encode(Image.new("1", (12_000, 12_000)), "PNG", optimize=True)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims other dimensions."""
    data = bytearray(jpeg(64, 64))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def truncated_jpeg() -> bytes:
    data = jpeg(800, 600)
    return data[: len(data) // 2]


def html() -> bytes:
    return b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
        b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>"
    )


def gif_script_polyglot() -> bytes:
    """Valid GIF and valid JavaScript at once: the header's size bytes open a comment."""
    image = encode(Image.new("P", (10, 10)), "GIF")
    return b"GIF89a/*" + image[8:] + b"*/=1;alert(document.domain);//"


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not an image")
    return out.getvalue()


def stored_files(media_dir: Path) -> dict[str, bytes]:
    """The files a media folder holds, by path within it, leaving out uploads still
    being received (`incoming/`)."""
    return {
        str(path.relative_to(media_dir)): path.read_bytes()
        for path in sorted(media_dir.rglob("*"))
        if path.is_file() and "incoming" not in path.relative_to(media_dir).parts
    }
