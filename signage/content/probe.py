"""The upload probe: decode an untrusted file in a child process with a memory and a
time limit, and say what it is.

`probe()` runs in the web process and only starts the child; `inspect()` is the child's
work (and what the tests call directly). A hostile file can crash or stall the child,
never the server.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from signage.content import filetypes, imaging

PROBE_TIMEOUT_S = 60
PROBE_MEMORY_BYTES = 3 * 1024**3
MAX_PDF_PAGES = 50
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1"})
# PDF features that can act on their own; the page images we show never carry them, but a
# file that contains them is not something staff meant to put on a screen.
PDF_ACTIVE: tuple[tuple[bytes, str], ...] = (
    (b"/JavaScript", "JavaScript"),
    (b"/EmbeddedFile", "embedded files"),
    (b"/Launch", "launch actions"),
    (b"/RichMedia", "rich media"),
)


class MediaRejected(ValueError):
    """The file is refused; the message says why, for a person."""


@dataclass(frozen=True)
class Probed:
    mime: str
    width: int | None = None
    height: int | None = None
    frames: int = 1
    alpha: bool = False
    pages: int | None = None
    duration_s: float | None = None

    @property
    def filetype(self) -> filetypes.FileType:
        return filetypes.BY_MIME[self.mime]


def probe(path: Path, filetype: filetypes.FileType) -> Probed:
    """Inspect `path` in a child process; MediaRejected if it is not what it claims."""
    command = [sys.executable, "-m", "signage.content.probe", filetype.mime, str(path)]
    try:
        done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            command, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaRejected(
            f"the file took longer than {PROBE_TIMEOUT_S} s to read and was given up"
        ) from exc
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        answer = {
            "error": f"the {filetype.label} file could not be read (it is damaged or too complex)"
        }
    if "error" in answer:
        raise MediaRejected(answer["error"])
    return Probed(**answer)


def inspect(path: Path, filetype: filetypes.FileType) -> Probed:
    if filetype.kind == "image":
        imaging.register_openers()
        info = imaging.inspect_image(path, filetype)
        return Probed(filetype.mime, info.width, info.height, info.frames, info.alpha)
    if filetype.kind == "pdf":
        return _inspect_pdf(path)
    return _inspect_video(path, filetype)


def _inspect_pdf(path: Path) -> Probed:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    data = path.read_bytes()
    for token, what in PDF_ACTIVE:
        if token in data:
            raise MediaRejected(f"the PDF contains {what}; export it again as a plain PDF")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise MediaRejected("the PDF is damaged or protected by a password") from exc
    with document:
        pages = len(document)
        if pages == 0:
            raise MediaRejected("the PDF has no pages")
        if pages > MAX_PDF_PAGES:
            raise MediaRejected(f"the PDF has {pages} pages; at most {MAX_PDF_PAGES} are taken")
        if pdfium_c.FPDFDoc_GetJavaScriptActionCount(document.raw) > 0:
            raise MediaRejected("the PDF contains JavaScript; export it again as a plain PDF")
        if document.count_attachments() > 0:
            raise MediaRejected("the PDF contains embedded files; export it again as a plain PDF")
        width, height = document.get_page_size(0)
    return Probed(filetypes.PDF.mime, round(width), round(height), pages=pages)


def _inspect_video(path: Path, filetype: filetypes.FileType) -> Probed:
    import av

    try:
        with av.open(str(path)) as container:
            if filetype.ext not in container.format.name.split(","):
                raise MediaRejected(f"the file is not an {filetype.label} video")
            if not container.streams.video:
                raise MediaRejected("the file has no picture, only sound")
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec not in VIDEO_CODECS:
                raise MediaRejected(
                    f"the video is encoded as {codec}; use H.264, HEVC, VP8, VP9 or AV1"
                )
            next(container.decode(stream))  # the first picture decodes
            duration = _duration(container, stream)
            width, height = stream.codec_context.width, stream.codec_context.height
    except (av.FFmpegError, StopIteration) as exc:
        raise MediaRejected(f"the {filetype.label} video is damaged and cannot be played") from exc
    if width * height > imaging.MAX_PIXELS or not duration:
        raise MediaRejected(f"the {filetype.label} video has no usable picture or length")
    return Probed(filetype.mime, width, height, duration_s=round(duration, 3))


def _duration(container: Any, stream: Any) -> float | None:
    if container.duration:
        return float(container.duration / 1_000_000)
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _limit_resources() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (PROBE_MEMORY_BYTES, PROBE_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (PROBE_TIMEOUT_S, PROBE_TIMEOUT_S))


def main(argv: list[str]) -> int:
    _limit_resources()
    mime, path = argv
    try:
        answer: dict[str, Any] = asdict(inspect(Path(path), filetypes.BY_MIME[mime]))
    except (MediaRejected, imaging.ImageRejected) as exc:
        answer = {"error": str(exc)}
    except MemoryError:
        answer = {"error": "the file needs more memory to read than any image should"}
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
