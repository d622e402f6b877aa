"""A photo from the public: checked by decoding it, and stored as new pixels without any metadata.

A phone photo carries EXIF data, often with the GPS position of where it was taken: the resident's
home, perhaps. Nothing of the file is kept but its pixels: they are copied into a new image, turned
upright as the camera meant, made at most MAX_SIDE pixels on the long side and saved again.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps

# What the form accepts, by Pillow's format name; the type is what the decoder finds, never the file name.
FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPT = "image/jpeg,image/png,image/webp"
MAX_PIXELS = 40_000_000  # a 40-megapixel camera; a larger image is a decompression bomb, or useless here
MAX_SIDE = 2000
JPEG_QUALITY = 85

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


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


def _decode(data: bytes) -> Image.Image:
    """Open and fully decode an accepted image, or raise PhotoError."""
    # Warnings are process-wide state; this block only changes how Pillow's own warnings are treated.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # damaged metadata: it is thrown away anyway
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError("pixels")
            # JPEG can decode at a smaller scale straight away: less memory and time for a big photo.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
            image.load()
            return ImageOps.exif_transpose(image)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoError("pixels") from None
        except (OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError):
            # Pillow signals a damaged or foreign file with any of these.
            raise PhotoError("type") from None


def clean(data: bytes) -> CleanPhoto:
    """Decode the upload and return a new image made of its pixels only (no EXIF, GPS, ICC, text)."""
    image = _decode(data)
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    try:
        pixels = image.convert(mode)
    except ValueError:
        raise PhotoError("type") from None
    pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    fresh = Image.new(mode, pixels.size)  # a new image has no info, EXIF or colour profile to carry over
    fresh.paste(pixels)
    out = io.BytesIO()
    if transparent:
        fresh.save(out, format="PNG", optimize=True)
        content_type = "image/png"
    else:
        fresh.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
        content_type = "image/jpeg"
    return CleanPhoto(out.getvalue(), content_type, fresh.width, fresh.height)
