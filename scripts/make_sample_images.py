#!/usr/bin/python3
"""Draws the bundled sample images (resources/samples/*.png): simple shapes, 64 x 64 RGB.

Run once; the PNGs are committed. Needs only Python 3 and NumPy.
    /usr/bin/python3 scripts/make_sample_images.py resources/samples
"""
import os
import struct
import sys
import zlib

import numpy as np

SIZE = 64
SUPER = 4  # supersampling factor for smooth edges
N = SIZE * SUPER


def grid():
    c = (np.arange(N) + 0.5) / N
    return np.meshgrid(c, c)  # x, y in [0, 1]


def disc(x, y, cx, cy, r):
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def paint(img, mask, colour):
    img[mask] = np.array(colour, dtype=np.float64) / 255.0


def vertical_gradient(y, top, bottom):
    t = y[..., None]
    return (1 - t) * np.array(top) / 255.0 + t * np.array(bottom) / 255.0


def sunset():
    x, y = grid()
    img = vertical_gradient(y, (250, 170, 80), (120, 60, 140))
    paint(img, disc(x, y, 0.5, 0.62, 0.2), (255, 230, 120))
    paint(img, y > 0.7, (40, 30, 60))
    return img


def smiley():
    x, y = grid()
    img = vertical_gradient(y, (190, 225, 250), (150, 200, 240))
    paint(img, disc(x, y, 0.5, 0.5, 0.38), (250, 205, 40))
    paint(img, disc(x, y, 0.37, 0.4, 0.05), (60, 40, 20))
    paint(img, disc(x, y, 0.63, 0.4, 0.05), (60, 40, 20))
    mouth = disc(x, y, 0.5, 0.52, 0.22) & ~disc(x, y, 0.5, 0.47, 0.21) & (y > 0.55)
    paint(img, mouth, (60, 40, 20))
    return img


def tree():
    x, y = grid()
    img = vertical_gradient(y, (170, 215, 255), (225, 240, 255))
    paint(img, y > 0.82, (90, 160, 70))
    paint(img, (abs(x - 0.5) < 0.06) & (y > 0.62) & (y < 0.86), (110, 70, 40))
    crown = (y > 0.15) & (y < 0.68) & (abs(x - 0.5) < (y - 0.15) * 0.6)
    paint(img, crown, (30, 120, 50))
    return img


def flower():
    x, y = grid()
    img = vertical_gradient(y, (120, 190, 100), (60, 130, 60))
    for k in range(6):
        a = k * np.pi / 3
        paint(img, disc(x, y, 0.5 + 0.18 * np.cos(a), 0.5 + 0.18 * np.sin(a), 0.13), (240, 110, 170))
    paint(img, disc(x, y, 0.5, 0.5, 0.12), (250, 210, 50))
    return img


def ball():
    x, y = grid()
    img = vertical_gradient(y, (235, 235, 240), (200, 200, 210))
    floor = y > 0.72
    checks = ((np.floor(x * 8) + np.floor(y * 16)) % 2 == 0) & floor
    paint(img, floor, (120, 120, 130))
    paint(img, checks, (170, 170, 180))
    shadow = ((x - 0.5) / 0.3) ** 2 + ((y - 0.78) / 0.06) ** 2 <= 1
    img[shadow] *= 0.6
    body = disc(x, y, 0.5, 0.48, 0.28)
    shade = np.clip(1.2 - 1.6 * np.hypot(x - 0.42, y - 0.38), 0.35, 1.0)
    red = np.stack([0.9 * shade, 0.15 * shade, 0.12 * shade], axis=-1)
    img[body] = red[body]
    return img


def downsample(img):
    return img.reshape(SIZE, SUPER, SIZE, SUPER, 3).mean(axis=(1, 3))


def write_png(path, rgb01):
    data = (np.clip(rgb01, 0, 1) * 255 + 0.5).astype(np.uint8)
    raw = b"".join(b"\x00" + data[row].tobytes() for row in range(data.shape[0]))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", data.shape[1], data.shape[0], 8, 2, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
                + chunk(b"IEND", b""))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "resources/samples"
    os.makedirs(out, exist_ok=True)
    for name, draw in [("ball", ball), ("flower", flower), ("smiley", smiley), ("sunset", sunset),
                       ("tree", tree)]:
        write_png(os.path.join(out, name + ".png"), downsample(draw()))


if __name__ == "__main__":
    main()
