"""The photo store: what a phone uploads is checked by content, re-encoded (EXIF, location and
anything else hidden in the file gone), shrunk and kept under `var/` by its content hash."""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from occupants.domain.model import MAX_PHOTO_BYTES as MAX_UPLOAD
from occupants.domain.model import PhotoRefused

MAX_PIXELS = 40_000_000  # a 40 MP camera; anything bigger is a decompression bomb
LONG_SIDE = 1600
ACCEPTED = frozenset({"JPEG", "PNG"})
DIGEST = re.compile(r"^[0-9a-f]{64}$")


def reencode(data: bytes) -> bytes:
    """The photo as a fresh JPEG: upright, at most LONG_SIDE pixels, no metadata at all."""
    if len(data) > MAX_UPLOAD:
        raise PhotoRefused("photo_too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED:
                    raise PhotoRefused("photo_not_jpeg_or_png")
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoRefused("photo_too_large")
                upright = ImageOps.exif_transpose(image)
                upright = upright.convert("RGB")
                upright.thumbnail((LONG_SIDE, LONG_SIDE))
                out = io.BytesIO()
                # A new image carries no EXIF, ICC or comments unless asked to.
                upright.save(out, "JPEG", quality=82, optimize=True)
                return out.getvalue()
    except PhotoRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise PhotoRefused("photo_unreadable") from exc


class PhotoStore:
    """Files named by the SHA-256 of their (re-encoded) content, two levels deep."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str) -> Path:
        """Where the photo `digest` lives (ValueError for anything but a digest)."""
        if not DIGEST.match(digest):
            raise ValueError("not a photo digest")
        return self.root / digest[:2] / f"{digest}.jpg"

    def put(self, data: bytes) -> str:
        """Re-encode and keep an uploaded photo; its digest. The same photo is kept once."""
        clean = reencode(data)
        digest = hashlib.sha256(clean).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            partial.write_bytes(clean)
            partial.replace(target)  # atomic: a reader never sees half a file
        return digest

    def get(self, digest: str) -> bytes | None:
        """The photo's bytes, or None when there is no such photo."""
        try:
            return self.path(digest).read_bytes()
        except (ValueError, FileNotFoundError):
            return None
