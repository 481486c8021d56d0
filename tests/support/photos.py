"""Photos as phones make them: JPEG with EXIF (a camera, a GPS position), PNG."""

from __future__ import annotations

import io
import os

from PIL import Image

GPS_IFD = 0x8825


def phone_jpeg(size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A JPEG carrying the camera's make and a GPS position in its EXIF."""
    image = Image.new("RGB", size, (200, 180, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif.get_ifd(GPS_IFD).update({1: "S", 2: (6.0, 12.0, 30.0), 3: "E", 4: (106.0, 48.0, 5.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=70)
    return out.getvalue()


def small_png() -> bytes:
    """A small PNG with a text chunk."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location")
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def large_jpeg(at_least: int = 2 * 1024 * 1024) -> bytes:
    """A JPEG of camera noise (it does not compress) of at least `at_least` bytes, as a real
    phone photo is: over the 1 MB most forms take, under the 5 MB photos may have."""
    side = 600
    while True:
        noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        noise.save(out, "JPEG", quality=95)
        if out.tell() >= at_least:
            return out.getvalue()
        side += 300
