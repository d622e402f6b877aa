"""A photo from the public: decoded within a memory budget, and stored as new pixels without any metadata.

A phone photo carries EXIF data, often with the GPS position of where it was taken: the resident's
home, perhaps. Nothing of the file is kept but its pixels: they are copied into a new image, turned
upright as the camera meant, made at most MAX_SIDE pixels on the long side and saved again.

Decoding is what costs memory: Pillow holds a decoded pixel in 4 bytes (1 for a grey or palette
image), and a small file can describe a huge image (a one-colour PNG of 6300 × 6300 is 151 KB, and
159 MB once decoded). So nothing is decoded before its size is known from the header (Pillow opens
lazily): an image over MAX_PIXELS is refused; a JPEG is decoded straight at 1/2, 1/4 or 1/8 of its
size when that still gives MAX_SIDE (`draft`); and what is then decoded in full must fit in
DECODE_BUDGET bytes. The smaller copy is made band by band, so besides the decoded image only one
band and the small result are ever in memory.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

# What the form accepts, by Pillow's format name; the type is what the decoder finds, never the file name.
FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPT = "image/jpeg,image/png,image/webp"
# A phone's photo passes: 12 MP (4000 × 3000, 4032 × 3024, 4080 × 3072), and the 24 MP of a recent
# iPhone (5712 × 4284 = 24.5 MP) or a camera (6000 × 4000). Anything larger is no better for showing
# a problem in the street, and a bomb or a mistake more often than not.
MAX_PIXELS = 25_000_000
# The most a decoder may allocate: a 12-MP image in full at 4 bytes a pixel (4096 × 3072). A phone's
# JPEG is decoded at half its size or less, so this binds PNG and WebP (which Pillow cannot decode
# smaller: a PNG up to 12.5 MP in colour, a WebP up to 3 MP) and a JPEG just under twice MAX_SIDE
# wide; with the smaller copy and the request, a worker's upload stays under 100 MB.
DECODE_BUDGET = 48 * 1024 * 1024
# Half a 12-MP phone photo's width: its JPEG decodes at 1/2 scale straight to about this size.
MAX_SIDE = 2000
JPEG_QUALITY = 85
BAND_ROWS = 128  # rows of the smaller copy made at a time

Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Bytes per decoded pixel in Pillow's memory, where it is not 4.
_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
# Pillow's WebP decoder holds the picture about four times over (libwebp's frame and canvas, the
# bytes it hands over, the decoded image): measured 187 MB for 3547 × 3547, where a PNG takes 50 MB.
_DECODED_COPIES = {"WEBP": 4}
# EXIF orientation → how to turn the pixels upright (as PIL.ImageOps.exif_transpose does).
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
            7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
# Pillow signals a damaged or foreign file with any of these.
_DAMAGED = (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError)


class PhotoError(ValueError):
    """The upload cannot be used; `reason` is "size", "type" or "pixels"."""

    def __init__(self, reason: str):
        """Remember why, so the form can say it in the resident's language."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo, ready to store."""

    data: bytes
    content_type: str
    width: int
    height: int


def read_limited(stream: BinaryIO, max_bytes: int) -> bytes:
    """The upload's bytes; PhotoError("size") as soon as it is larger than `max_bytes`."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PhotoError("size")
    return data


def fit(size: tuple[int, int], longest: int = MAX_SIDE) -> tuple[int, int]:
    """`size` made at most `longest` pixels on its long side, keeping its shape."""
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def decoded_bytes(image: Image.Image) -> int:
    """What decoding `image` at its current size allocates."""
    return image.width * image.height * _PIXEL_BYTES.get(image.mode, 4) * _DECODED_COPIES.get(image.format, 1)


def _open(data: bytes) -> tuple[Image.Image, tuple[int, int], tuple[float, float]]:
    """The image opened and checked from its header, set to decode at the smallest useful size.

    Returns the image (nothing decoded yet), the size to store, and the part of the decoded image
    that holds the picture: a JPEG decoded at 1/n may have a last row and column partly covered."""
    image = Image.open(io.BytesIO(data), formats=FORMATS)
    if image.width * image.height > MAX_PIXELS:
        raise PhotoError("pixels")
    target = fit(image.size)
    extent = (float(image.width), float(image.height))
    if image.format == "JPEG":
        # The decoder scales by 1/2, 1/4 or 1/8 while decoding: the most that still gives `target`.
        drafted = image.draft("RGB", target)
        if drafted is not None:
            extent = drafted[1][2], drafted[1][3]
    if decoded_bytes(image) > DECODE_BUDGET:
        raise PhotoError("pixels")
    return image, target, extent


def _orientation(image: Image.Image) -> int:
    """The camera's EXIF orientation (1: upright); damaged metadata counts as upright."""
    try:
        return int(image.getexif().get(0x0112, 1))
    except _DAMAGED:
        return 1


def shrink(image: Image.Image, size: tuple[int, int], mode: str,
           extent: tuple[float, float] | None = None) -> Image.Image:
    """A new image of `size` in `mode` made from (the `extent` of) `image`, band by band.

    Each band of the result is filtered (Lanczos) from the rows it needs plus the filter's margin,
    so it is the same as resizing in one go; only one band is ever converted or filtered."""
    width, height = extent or image.size
    result = Image.new(mode, size)
    if (width, height) == size == image.size:
        for top in range(0, image.height, BAND_ROWS):
            band = image.crop((0, top, image.width, min(top + BAND_ROWS, image.height)))
            result.paste(band if band.mode == mode else band.convert(mode), (0, top))
        return result
    scale = height / size[1]
    margin = math.ceil(3 * max(scale, 1.0)) + 1  # Lanczos reads 3 pixels of the result's scale either side
    for top in range(0, size[1], BAND_ROWS):
        bottom = min(top + BAND_ROWS, size[1])
        first, last = top * scale, bottom * scale
        crop_top = max(0, math.floor(first) - margin)
        crop_bottom = min(image.height, math.ceil(last) + margin)
        band = image.crop((0, crop_top, image.width, crop_bottom))
        if band.mode != mode:
            band = band.convert(mode)
        part = band.resize((size[0], bottom - top), Image.Resampling.LANCZOS,
                           box=(0, first - crop_top, width, last - crop_top))
        result.paste(part, (0, top))
    return result


def _pixels(data: bytes) -> Image.Image:
    """The upload's pixels, upright, at most MAX_SIDE on the long side, in a new image; or PhotoError."""
    # Warnings are process-wide state; this block only changes how Pillow's own warnings are treated.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # damaged metadata: it is thrown away anyway
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image, target, extent = _open(data)
            with image:
                image.load()
                transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                upright = _UPRIGHT.get(_orientation(image))
                small = shrink(image, target, "RGBA" if transparent else "RGB", extent)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoError("pixels") from None
        except _DAMAGED:
            raise PhotoError("type") from None
    return small.transpose(upright) if upright is not None else small


def clean(data: bytes) -> CleanPhoto:
    """Decode the upload and return a new image made of its pixels only (no EXIF, GPS, ICC, text)."""
    fresh = _pixels(data)  # a new image has no info, EXIF or colour profile to carry over
    out = io.BytesIO()
    if fresh.mode == "RGBA":
        fresh.save(out, format="PNG")  # optimize=True would double the time, for a rare kind of photo
        content_type = "image/png"
    else:
        fresh.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return CleanPhoto(out.getvalue(), content_type, fresh.width, fresh.height)
