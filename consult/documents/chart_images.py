"""Bar charts as PNG images, for the Word report: Word has no use for the site's SVG charts.

Drawn at 300 dpi for a 15 cm wide figure, so the labels stay as legible as the body text when
printed; the same numbers always follow in a table, and the image carries them as alt text.
"""

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from consult.documents.charts import COLOURS
from consult.documents.model import Figure

DPI = 300
WIDTH = 1772  # 15 cm at 300 dpi
FONT_SIZE = 40  # about 10 pt once printed at that size
BAR = 60
GAP = 24
PAD = 24
TEXT = "#1f2328"
AXIS = "#6e7781"
FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def bar_chart_png(figure: Figure) -> bytes:
    """Horizontal bars, one per (label, value): the label on the left, the value after the bar."""
    font = _font()
    rows = max(1, len(figure.items))
    image = Image.new("RGB", (WIDTH, 2 * PAD + rows * BAR + (rows - 1) * GAP), "white")
    draw = ImageDraw.Draw(image)
    labels = [label for label, _ in figure.items]
    values = [max(0, value) for _, value in figure.items]
    label_width = min(max((draw.textlength(label, font=font) for label in labels), default=0), WIDTH * 0.45)
    value_width = max((draw.textlength(str(value), font=font) for value in values), default=0)
    axis = PAD + label_width + PAD
    room = WIDTH - axis - value_width - 2 * PAD
    largest = max(values, default=0) or 1
    for index, (label, value) in enumerate(zip(labels, values)):
        top = PAD + index * (BAR + GAP)
        middle = top + BAR / 2
        length = round(room * value / largest)
        draw.text((axis - PAD, middle), _fit(draw, label, font, label_width), font=font, fill=TEXT, anchor="rm")
        if length:
            draw.rectangle((axis, top, axis + length, top + BAR), fill=COLOURS[index % len(COLOURS)])
        draw.text((axis + length + PAD / 2, middle), str(value), font=font, fill=TEXT, anchor="lm")
    draw.line((axis, PAD / 2, axis, image.height - PAD / 2), fill=AXIS, width=3)
    output = io.BytesIO()
    image.save(output, format="PNG", dpi=(DPI, DPI))
    return output.getvalue()


def _font() -> Font:
    if FONT_FILE.exists():
        return ImageFont.truetype(str(FONT_FILE), FONT_SIZE)
    return ImageFont.load_default(size=FONT_SIZE)


def _fit(draw: ImageDraw.ImageDraw, label: str, font: Font, width: float) -> str:
    """A label too long for its column is cut with an ellipsis; the table gives it in full."""
    if draw.textlength(label, font=font) <= width:
        return label
    while label and draw.textlength(label + "…", font=font) > width:
        label = label[:-1]
    return label.rstrip() + "…"
