#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Renders the OCR test fixtures (black text on white, Debian fonts) and their expected text.
# The PNG/JPEG files and NAME.txt are committed, so tests need no renderer; re-run to regenerate:
#   /usr/bin/python3 tests/data/ocr/make_images.py (Debian python3-pil) tests/data/ocr
import os
import sys

from PIL import Image, ImageDraw, ImageFont

FONTS = "/usr/share/fonts/truetype"
# name, font file, pixel size, lines, format
FIXTURES = [
    ("dejavu_sans", "dejavu/DejaVuSans.ttf", 22, ["Hello World"], "png"),
    ("liberation_serif", "liberation/LiberationSerif-Regular.ttf", 26, ["SeedChip-2026"], "png"),
    ("freemono_two", "freefont/FreeMono.ttf", 20, ["OCR TEST 42", "chip simulator"], "png"),
    ("dejavu_mono_jpeg", "dejavu/DejaVuSansMono.ttf", 22, ["invoice-1375"], "jpg"),
    ("liberation_sans", "liberation/LiberationSans-Bold.ttf", 30, ["Open Chip"], "jpg"),
    ("blank", None, 32, [], "png"),  # no text: det finds no box (and the smallest det input)
]


def render(font_file, size, lines):
    if not lines:
        return Image.new("RGB", (size, size), "white")
    font = ImageFont.truetype(os.path.join(FONTS, font_file), size)
    widths = [font.getbbox(t)[2] for t in lines]
    line_h = int(size * 1.8)
    w, h = max(widths) + 2 * size, line_h * len(lines) + size
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    for i, t in enumerate(lines):
        d.text((size, size // 2 + i * line_h + size // 3), t, font=font, fill="black")
    return im


# The bench page: lines in several fonts, sizes and positions (two on one row, read left to right).
PAGE = [
    ("dejavu/DejaVuSans.ttf", 24, 30, 30, "SeedChip inference report"),
    ("liberation/LiberationSerif-Regular.ttf", 22, 30, 90, "Batch 64 tokens 2048"),
    ("freefont/FreeMono.ttf", 22, 30, 150, "OCR TEST 42"),
    ("freefont/FreeMono.ttf", 22, 330, 150, "PAGE-7"),
    ("liberation/LiberationSans-Bold.ttf", 26, 30, 210, "Open Chip"),
    ("dejavu/DejaVuSansMono.ttf", 22, 30, 270, "invoice-1375"),
    ("dejavu/DejaVuSans.ttf", 20, 30, 330, "Hello World"),
]


def page(path):
    im = Image.new("RGB", (560, 390), "white")
    d = ImageDraw.Draw(im)
    for font, size, x, y, text in PAGE:
        d.text((x, y), text, font=ImageFont.truetype(os.path.join(FONTS, font), size), fill="black")
    im.save(path, optimize=True)
    with open(os.path.splitext(path)[0] + ".txt", "w") as f:
        f.write("".join(t[4] + "\n" for t in PAGE))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--page":
        page(sys.argv[2])
        return
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, font, size, lines, fmt in FIXTURES:
        im = render(font, size, lines)
        assert im.width <= 320, name
        path = os.path.join(out, name + "." + fmt)
        if fmt == "jpg":
            im.save(path, quality=90)
        else:
            im.save(path, optimize=True)
        with open(os.path.join(out, name + ".txt"), "w") as f:
            f.write("".join(line + "\n" for line in lines))
        print(path, im.size)


if __name__ == "__main__":
    main()
