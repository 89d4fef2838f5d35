"""Bar charts as accessible SVG, drawn on the server: no script, readable in print and in the
exported report. The same figures are always given in a table next to the chart."""

from html import escape

BAR = 22
GAP = 8
LABEL_WIDTH = 200
CHART_WIDTH = 560
COLOURS = ("#0b4a7a", "#1d6b3a", "#8a4b00", "#5b3a8a", "#8a1c15", "#3b4552")


def bar_chart(title: str, items: list[tuple[str, int]], *, chart_id: str, description: str = "") -> str:
    """Horizontal bars, one per (label, value); the value is written at the end of each bar."""
    height = max(1, len(items)) * (BAR + GAP) + GAP
    largest = max((value for _, value in items), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 50
    rows = []
    for index, (label, value) in enumerate(items):
        y = GAP + index * (BAR + GAP)
        width = round(room * value / largest) if value else 0
        colour = COLOURS[index % len(COLOURS)]
        rows.append(
            f'<g><title>{escape(label)}: {value}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR * 0.7:.1f}" text-anchor="end" class="chart-label">{escape(_clip(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" height="{BAR}" rx="3" fill="{colour}"></rect>'
            f'<text x="{LABEL_WIDTH + width + 6}" y="{y + BAR * 0.7:.1f}" class="chart-value">{value}</text></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" width="100%" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" class="chart">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(rows) + "</svg>"
    )


def _clip(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
