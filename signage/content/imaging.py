"""Pillow only: a path in, checked and upright sRGB renditions out.

No database, no Flask. Decoding untrusted files happens only in worker processes (the
upload probe and the rendition pool), never in the web process.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageCms, ImageOps, ImageSequence

from signage.content import filetypes
from signage.content.media_store import write_atomically

MAX_PIXELS = 100_000_000  # 100 megapixels, the largest image we decode
MAX_FRAMES = 1_000
MAX_ANIMATION_PIXELS = 1_000_000_000  # all frames of an animation together
JPEG_QUALITY = 85
WEBP_QUALITY = 80
PIL_FORMATS = {"jpg": "JPEG", "webp": "WEBP", "png": "PNG", "gif": "GIF"}
EXPECTED = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "WebP": "WEBP", "AVIF": "AVIF"}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageRejected(ValueError):
    """The file is not an image we show; the message says why, for a person."""


@dataclass(frozen=True)
class ImageInfo:
    width: int  # upright: EXIF orientation applied
    height: int
    frames: int
    alpha: bool

    @property
    def animated(self) -> bool:
        return self.frames > 1


@dataclass(frozen=True)
class Target:
    """One rendition: a box and how the picture meets it, in one or more formats."""

    name: str
    width: int
    height: int
    mode: str  # fit: inside the box; fill: covers it, cropped to its shape
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Made:
    name: str
    ext: str
    width: int
    height: int
    path: Path


def register_openers() -> None:
    """HEIC through pillow-heif; AVIF is in Pillow itself."""
    from pillow_heif import register_heif_opener

    register_heif_opener()


@contextmanager
def strict() -> Iterator[None]:
    """Pillow's decompression-bomb warning is an error, above 100 megapixels."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def inspect_image(path: Path, filetype: filetypes.FileType) -> ImageInfo:
    """Decode the whole file once to prove it is the image it claims to be."""
    data = path.read_bytes()
    markup = filetypes.find_markup(data)
    if markup is not None:
        raise ImageRejected(f"the image carries markup or script ({markup!r}); it is refused")
    _check_trailing(data, filetype)
    try:
        with strict(), Image.open(io.BytesIO(data)) as image:
            return _decode_all(image, filetype)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(_too_large(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(
            f"the {filetype.label} file is damaged or incomplete and cannot be read"
        ) from exc


def _decode_all(image: Image.Image, filetype: filetypes.FileType) -> ImageInfo:
    expected = EXPECTED.get(filetype.label, "HEIF")
    if image.format != expected:
        raise ImageRejected(f"the file starts like {filetype.label} but is not one")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageRejected(_too_large(None))
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES or frames * width * height > MAX_ANIMATION_PIXELS:
        raise ImageRejected(f"the animation has too many frames (at most {MAX_FRAMES})")
    for frame in ImageSequence.Iterator(image):
        frame.load()
    image.seek(0)
    if image.getexif().get(ImageOps.ExifTags.Base.Orientation, 1) in (5, 6, 7, 8):
        width, height = height, width
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return ImageInfo(width, height, frames, alpha)


def _check_trailing(data: bytes, filetype: filetypes.FileType) -> None:
    try:
        if filetype is filetypes.GIF:
            extra = filetypes.gif_trailing_bytes(data)
        elif filetype is filetypes.PNG:
            extra = filetypes.png_trailing_bytes(data)
        else:
            return
    except ValueError as exc:
        raise ImageRejected(f"the {filetype.label} file is damaged: {exc}") from exc
    if extra > 0:
        raise ImageRejected(
            f"the {filetype.label} file has {extra} bytes after its end; "
            "files that are also something else are refused"
        )


def _too_large(exc: BaseException | None) -> str:
    return f"the image is larger than {MAX_PIXELS // 1_000_000} megapixels; scale it down first"


# -- renditions -----------------------------------------------------------------------
def upright_srgb(image: Image.Image) -> Image.Image:
    """EXIF orientation applied, colours converted to sRGB, every piece of metadata gone."""
    ImageOps.exif_transpose(image, in_place=True)
    icc = image.info.get("icc_profile")
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if icc and image.mode in ("RGB", "CMYK", "L"):
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        result = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        image = result if result is not None else image
    if image.mode != ("RGBA" if alpha else "RGB"):
        image = image.convert("RGBA" if alpha else "RGB")
    image.info = {}
    return image


def fitted_size(width: int, height: int, box_w: int, box_h: int, mode: str) -> tuple[int, int]:
    """The size inside (fit) or covering (fill) the box, never larger than the source."""
    scale = (min if mode == "fit" else max)(box_w / width, box_h / height)
    scale = min(scale, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resized(image: Image.Image, target: Target) -> Image.Image:
    return cropped(scaled(image, target), target)


def scaled(image: Image.Image, target: Target) -> Image.Image:
    size = fitted_size(*image.size, target.width, target.height, target.mode)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def cropped(image: Image.Image, target: Target) -> Image.Image:
    """A fill rendition is cut to the box's shape around the centre (at the source's
    own resolution when the source is smaller than the box)."""
    width, height = image.size
    crop_w = min(width, max(1, round(height * target.width / target.height)))
    crop_h = min(height, max(1, round(width * target.height / target.width)))
    if target.mode != "fill" or (crop_w, crop_h) == (width, height):
        return image
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    return image.crop((left, top, left + crop_w, top + crop_h))


def render_still(image: Image.Image, targets: list[Target], out_dir: Path) -> list[Made]:
    """Every target from one upright sRGB image. All pictures are scaled first, so the
    full-size decode is freed before the encoders (WebP's above all) take their memory;
    pass the image without keeping a reference to it."""
    pictures = scaled_pictures(image, targets)
    del image
    made: list[Made] = []
    for target, picture in pictures:
        for ext in target.formats:
            path = out_dir / f"{target.name}.{ext}"
            write_atomically(path, functools.partial(save, picture, ext=ext))
            made.append(Made(target.name, ext, *picture.size, path))
    return made


def scaled_pictures(image: Image.Image, targets: list[Target]) -> list[tuple[Target, Image.Image]]:
    """Largest first, each scaled from the smallest picture made so far that still
    covers it, so the big image is read once."""
    pictures = []
    versions = [image]  # the image at decreasing scales, uncropped
    for target in sorted(targets, key=lambda t: t.width * t.height, reverse=True):
        width, height = fitted_size(*image.size, target.width, target.height, target.mode)
        source = min(
            (v for v in versions if v.width >= width and v.height >= height),
            key=lambda v: v.width,
        )
        version = scaled(source, target)
        versions.append(version)
        pictures.append((target, cropped(version, target)))
    return pictures


def save(image: Image.Image, handle: IO[bytes], ext: str, **extra: Any) -> None:
    options: dict[str, Any] = {}
    if ext == "jpg":
        options = {"quality": JPEG_QUALITY}
    elif ext == "webp":
        options = {"quality": WEBP_QUALITY, "method": 4}
    image.save(handle, PIL_FORMATS[ext], **options, **extra)


def open_upright(path: Path, largest: tuple[int, int]) -> Image.Image:
    """Open an original and decode it no larger than needed (JPEG scales while decoding)."""
    image = Image.open(path)
    if image.format == "JPEG":
        swapped = image.getexif().get(ImageOps.ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
        image.draft("RGB", largest[::-1] if swapped else largest)
    return upright_srgb(image)


def render_animation(path: Path, targets: list[Target], out_dir: Path) -> list[Made]:
    """An animated GIF or WebP stays animated: every frame scaled, timing kept."""
    made: list[Made] = []
    with Image.open(path) as image:
        frames = [upright_srgb(frame.convert("RGBA")) for frame in ImageSequence.Iterator(image)]
        durations = [frame_duration(image, index) for index in range(len(frames))]
        loop = image.info.get("loop", 0)
    for target in targets:
        scaled = [resized(frame, target) for frame in frames]
        for ext in target.formats:
            path_out = out_dir / f"{target.name}.{ext}"

            def write(handle: Any, s: list[Image.Image] = scaled, e: str = ext) -> None:
                save(
                    s[0],
                    handle,
                    e,
                    save_all=True,
                    append_images=s[1:],
                    duration=durations,
                    loop=loop,
                    disposal=2,
                )

            write_atomically(path_out, write)
            made.append(Made(target.name, ext, *scaled[0].size, path_out))
    return made


def frame_duration(image: Image.Image, index: int) -> int:
    image.seek(index)
    return int(image.info.get("duration", 100)) or 100
