"""The weekly digest chart: real connections per day, stacked by principle, as a PNG."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import MappingProxyType

from PIL import Image, ImageDraw, ImageFont

from slackapp.domain.calendar import DayNameStyle, weekday_name
from slackapp.domain.digests import DayCounts
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, PRINCIPLES, Principle

__all__ = [
    "MAX_DAYS",
    "MIN_HEIGHT",
    "MIN_WIDTH",
    "PRINCIPLE_COLOURS",
    "DayCounts",
    "weekly_chart_image",
    "weekly_chart_png",
]

RGB = tuple[int, int, int]
_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


#: One colour per principle; tests and the digest text can refer to them.
PRINCIPLE_COLOURS: Mapping[Principle, RGB] = MappingProxyType(
    {
        Principle.SOLVE: (242, 169, 59),  # amber, like a lit bulb
        Principle.CARE: (226, 93, 117),  # rose
        Principle.LAUGH: (38, 166, 154),  # teal
        Principle.OPPORTUNITY: (74, 111, 227),  # blue
    }
)

MAX_DAYS = 31
# The smallest canvas that still fits a wrapped four-entry legend above a readable plot.
MIN_WIDTH = 320
MIN_HEIGHT = 240

_BACKGROUND: RGB = (255, 255, 255)
_TITLE_COLOUR: RGB = (31, 41, 51)
_TEXT_COLOUR: RGB = (62, 76, 89)
_MUTED_COLOUR: RGB = (154, 165, 177)
_GRID_COLOUR: RGB = (228, 231, 235)
_AXIS_COLOUR: RGB = (154, 165, 177)

#: The inks text is drawn in, each on the white background.
_TEXT_INKS = (_TITLE_COLOUR, _TEXT_COLOUR, _MUTED_COLOUR)
#: Steps of each ink's anti-aliased edge kept in the palette: one per 4 of 255 levels of
#: coverage, a difference no one sees, and room to spare in PNG's 256 colours.
_EDGE_STEPS = 64

_PAD = 16
_TITLE_SIZE = 18
_LEGEND_SIZE = 13
_TICK_SIZE = 12
# Largest first: labels shrink only as far as they must to fit their bar's slot.
_LABEL_SIZES = (12, 11, 10, 9)
_SWATCH = 12
_SWATCH_GAP = 6
_LEGEND_GAP = 20
_TICK_GAP = 8
_MIN_TICK_SPACING = 22
_MIN_PLOT_HEIGHT = 40
_EMPTY_MESSAGE = "No connections logged yet"
_MAX_BAR_WIDTH = 56
_BAR_FILL_RATIO = 0.62
_MIN_AXIS_TOP = 5
_MAX_TICK_INTERVALS = 5


@lru_cache(maxsize=16)
def _font(size: int) -> _Font:
    # Pillow only scales its built-in font when FreeType is available; the fixed-size bitmap
    # fallback keeps charts working (if plainer) without it.
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError, TypeError):
        return ImageFont.load_default()


@lru_cache(maxsize=2048)
def _bbox(font: _Font, text: str) -> tuple[float, float, float, float]:
    # Every chart measures the same few labels (days, totals, ticks, the legend) many times
    # over: laying out a week's chart called FreeType for 2.5 of its 12 ms. Fonts come from
    # _font's cache, so the same font is the same key.
    return font.getbbox(text)


def _text_width(font: _Font, text: str) -> int:
    left, _, right, _ = _bbox(font, text)
    return math.ceil(right - left)


def _line_height(font: _Font) -> int:
    # Measured on tall and deep glyphs so every line of a given font takes the same height.
    _, _, _, bottom = _bbox(font, "Ag19,")
    return math.ceil(bottom)


@lru_cache(maxsize=1024)
def _inked(font: _Font, text: str) -> tuple[Image.Image, int, int]:
    """`text`'s coverage (how much of each pixel its glyphs cover) and where it sits from the
    point it is drawn at: drawing text was most of a chart's time, and a week's labels (days,
    totals, ticks, the legend) repeat from chart to chart."""
    left, top, right, bottom = (round(edge) for edge in _bbox(font, text))
    coverage = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(coverage).text((-left, -top), text, font=font, fill=255)
    return coverage, left, top


class _Canvas:
    """The chart's picture and what draws on it; text from _inked, as ImageDraw would draw it
    (at whole pixels, the same glyphs blended the same way)."""

    def __init__(self, image: Image.Image) -> None:
        self._image = image
        self._draw = ImageDraw.Draw(image)

    def rectangle(self, box: tuple[int, int, int, int], *, fill: RGB) -> None:
        self._draw.rectangle(box, fill=fill)

    def line(self, points: tuple[int, int, int, int], *, fill: RGB, width: int) -> None:
        self._draw.line(points, fill=fill, width=width)

    def text(self, xy: tuple[int, int], text: str, *, font: _Font, fill: RGB) -> None:
        coverage, left, top = _inked(font, text)
        self._image.paste(fill, (xy[0] + left, xy[1] + top), coverage)


def _draw_centred(draw: _Canvas, *, x: float, y: float, text: str, font: _Font, fill: RGB) -> None:
    left, _, right, _ = _bbox(font, text)
    draw.text((round(x - (left + right) / 2), round(y)), text, font=font, fill=fill)


def _ellipsize(font: _Font, text: str, max_width: int) -> str:
    if _text_width(font, text) <= max_width:
        return text
    # Measured directly: each shorter try is met once, and would only crowd _bbox's cache.
    while text:
        left, _, right, _ = font.getbbox(text + "\u2026")
        if math.ceil(right - left) <= max_width:
            break
        text = text[:-1]
    return text.rstrip() + "\u2026"


def _nice_axis(max_total: int, *, intervals: int) -> tuple[int, int]:
    """Return (axis top, tick step): the smallest 1-2-5 step needing at most `intervals` ticks."""
    top = max(max_total, _MIN_AXIS_TOP)
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            if step * intervals >= top:
                return math.ceil(top / step) * step, step
        magnitude *= 10


def _compact(value: int) -> str:
    if value < 1000:
        return str(value)
    if value < 1_000_000:
        return f"{value / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return f"{value / 1_000_000:.1f}".rstrip("0").rstrip(".") + "M"


@dataclass(frozen=True, slots=True)
class _XLabels:
    font: _Font
    two_lines: bool
    style: DayNameStyle
    every: int

    def lines(self, day: date) -> tuple[str, ...]:
        weekday = weekday_name(day.weekday(), style=self.style)
        return (weekday, str(day.day)) if self.two_lines else (f"{weekday} {day.day}",)


def _choose_x_labels(days: Sequence[date], slot: float) -> _XLabels:
    # Preference order: "Mon 23" on one line, then "Mon" over "23", then "Mo" over "23", each
    # at the largest size that fits; stacking two lines beats shrinking one line into a squint.
    # Only a very narrow chart falls back to labelling every n-th day.
    options: list[tuple[int, bool, DayNameStyle]] = [
        *((size, False, "short") for size in _LABEL_SIZES[:2]),
        *((size, True, "short") for size in _LABEL_SIZES[:-1]),
        *((size, True, "min") for size in _LABEL_SIZES),
    ]
    for size, two_lines, style in options:
        labels = _XLabels(font=_font(size), two_lines=two_lines, style=style, every=1)
        widest = max(_text_width(labels.font, line) for d in days for line in labels.lines(d))
        if widest <= slot - 3:
            return labels
    font = _font(_LABEL_SIZES[-1])
    widest = max(_text_width(font, weekday_name(weekday, style="min")) for weekday in range(7))
    every = math.ceil((widest + 3) / max(slot, 1))
    return _XLabels(font=font, two_lines=True, style="min", every=every)


@dataclass(frozen=True, slots=True)
class _Totals:
    font: _Font
    compact: bool
    shown: bool

    def text(self, total: int) -> str:
        return _compact(total) if self.compact else f"{total:,}"


def _choose_totals(totals: Sequence[int], slot: float) -> _Totals:
    # Full numbers (1,234) where they fit, then compact ones (1.2k); on a chart too narrow for
    # either the y-axis has to do, since overprinted numbers help nobody.
    for compact in (False, True):
        for size in _LABEL_SIZES:
            style = _Totals(font=_font(size), compact=compact, shown=True)
            if max(_text_width(style.font, style.text(t)) for t in totals) <= slot - 2:
                return style
    return _Totals(font=_font(_LABEL_SIZES[-1]), compact=True, shown=False)


def _legend_rows(
    principles: Sequence[Principle], font: _Font, max_width: int
) -> list[list[Principle]]:
    rows: list[list[Principle]] = [[]]
    used = 0
    for principle in principles:
        entry = _legend_entry_width(font, principle)
        gap = _LEGEND_GAP if rows[-1] else 0
        if rows[-1] and used + gap + entry > max_width:
            rows.append([])
            used, gap = 0, 0
        rows[-1].append(principle)
        used += gap + entry
    return rows


def _legend_entry_width(font: _Font, principle: Principle) -> int:
    return _SWATCH + _SWATCH_GAP + _text_width(font, PRINCIPLES[principle].label)


def _draw_legend(draw: _Canvas, *, principles: Sequence[Principle], top: int, width: int) -> int:
    """Draw the legend rows centred below `top` and return the y just below them."""
    font = _font(_LEGEND_SIZE)
    text_height = _line_height(font)
    row_height = max(_SWATCH, text_height)
    y = top
    for row in _legend_rows(principles, font, width - 2 * _PAD):
        row_width = sum(_legend_entry_width(font, p) for p in row) + _LEGEND_GAP * (len(row) - 1)
        x = (width - row_width) // 2
        for principle in row:
            swatch_top = y + (row_height - _SWATCH) // 2
            draw.rectangle(
                (x, swatch_top, x + _SWATCH - 1, swatch_top + _SWATCH - 1),
                fill=PRINCIPLE_COLOURS[principle],
            )
            label = PRINCIPLES[principle].label
            text_top = y + (row_height - text_height) // 2
            draw.text((x + _SWATCH + _SWATCH_GAP, text_top), label, font=font, fill=_TEXT_COLOUR)
            x += _legend_entry_width(font, principle) + _LEGEND_GAP
        y += row_height + 6
    return y


@dataclass(frozen=True, slots=True)
class _Plot:
    """Where the bars go, and how the axes and labels around them are set."""

    left: int
    right: int
    top: int
    bottom: int
    axis_top: int
    ticks: tuple[int, ...]
    slot: float
    x_labels: _XLabels
    totals: _Totals

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def y_of(self, value: int) -> int:
        return self.bottom - round(value * self.height / self.axis_top)


def _layout(
    *, totals: Sequence[int], days: Sequence[date], top: int, width: int, height: int
) -> _Plot:
    # Fewer, wider-spaced ticks on short charts so the y-axis labels never touch.
    for intervals in range(_MAX_TICK_INTERVALS, 1, -1):
        plot = _plot_with(intervals, totals=totals, days=days, top=top, width=width, height=height)
        if plot.height >= _MIN_TICK_SPACING * (len(plot.ticks) - 1):
            break
    else:
        plot = _plot_with(1, totals=totals, days=days, top=top, width=width, height=height)
    if plot.height < _MIN_PLOT_HEIGHT:
        raise ValueError("the title and legend leave no room for the bars; make the chart taller")
    return plot


def _plot_with(
    intervals: int,
    *,
    totals: Sequence[int],
    days: Sequence[date],
    top: int,
    width: int,
    height: int,
) -> _Plot:
    axis_top, step = _nice_axis(max(totals), intervals=intervals)
    ticks = tuple(range(0, axis_top + 1, step))
    # Horizontal geometry first: the widest y-axis label decides how wide the plot can be.
    tick_font = _font(_TICK_SIZE)
    left = _PAD + max(_text_width(tick_font, f"{tick:,}") for tick in ticks) + _TICK_GAP
    right = width - _PAD
    slot = (right - left) / len(days)
    x_labels = _choose_x_labels(days, slot)
    totals_style = _choose_totals(totals, slot)
    label_block = _line_height(x_labels.font) * (2 if x_labels.two_lines else 1) + 8
    return _Plot(
        left=left,
        right=right,
        top=top + _line_height(totals_style.font) + 6,
        bottom=height - _PAD - label_block,
        axis_top=axis_top,
        ticks=ticks,
        slot=slot,
        x_labels=x_labels,
        totals=totals_style,
    )


def _draw_axes(draw: _Canvas, plot: _Plot) -> None:
    font = _font(_TICK_SIZE)
    line = _line_height(font)
    for tick in plot.ticks:
        y = plot.y_of(tick)
        colour = _AXIS_COLOUR if tick == 0 else _GRID_COLOUR
        draw.line((plot.left, y, plot.right, y), fill=colour, width=1)
        text = f"{tick:,}"
        x = plot.left - _TICK_GAP - _text_width(font, text)
        draw.text((x, y - line // 2 - 1), text, font=font, fill=_TEXT_COLOUR)


def _draw_bar(draw: _Canvas, plot: _Plot, *, index: int, day: date, row: Sequence[int]) -> None:
    centre = plot.left + plot.slot * (index + 0.5)
    bar_width = max(1, min(_MAX_BAR_WIDTH, round(plot.slot * _BAR_FILL_RATIO)))
    x0 = round(centre - bar_width / 2)
    x1 = x0 + bar_width - 1
    top = plot.bottom
    running = 0
    for principle, count in zip(PRINCIPLE_ORDER, row, strict=True):
        if count == 0:
            continue
        running += count
        # Cumulative rounding keeps the stack's top true to its total; the min() keeps a tiny
        # count visible as at least one pixel next to a huge one.
        segment_top = min(plot.y_of(running), top - 1)
        draw.rectangle((x0, segment_top, x1, top - 1), fill=PRINCIPLE_COLOURS[principle])
        top = segment_top

    total = sum(row)
    if plot.totals.shown:
        _draw_centred(
            draw,
            x=centre,
            y=top - 4 - _line_height(plot.totals.font),
            text=plot.totals.text(total),
            font=plot.totals.font,
            fill=_TITLE_COLOUR if total else _MUTED_COLOUR,
        )

    if index % plot.x_labels.every == 0:
        y = plot.bottom + 6
        for line in plot.x_labels.lines(day):
            _draw_centred(
                draw, x=centre, y=y, text=line, font=plot.x_labels.font, fill=_TEXT_COLOUR
            )
            y += _line_height(plot.x_labels.font)


def weekly_chart_png(
    days: Sequence[DayCounts], *, title: str, width: int = 800, height: int = 400
) -> bytes:
    """Render connections per day, stacked by principle, as PNG bytes."""
    image = weekly_chart_image(days, title=title, width=width, height=height)
    buffer = io.BytesIO()
    # Saved with a palette: every pixel is one of the chart's colours or a text edge between
    # an ink and the background, all of them in _palette() (text over a grid line comes out
    # as the nearest). An RGB picture took zlib 5.4 of the chart's 12 ms even at its fastest
    # level; mapping to the palette and saving take under 2, and the PNG is a third smaller.
    paletted = image.quantize(palette=_palette(), dither=Image.Dither.NONE)
    paletted.save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def weekly_chart_image(
    days: Sequence[DayCounts], *, title: str, width: int = 800, height: int = 400
) -> Image.Image:
    """The chart as drawn, in full colour (weekly_chart_png saves it with a palette)."""
    if not 1 <= len(days) <= MAX_DAYS:
        raise ValueError(f"a chart shows 1 to {MAX_DAYS} days, got {len(days)}")
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        raise ValueError(f"a chart must be at least {MIN_WIDTH}x{MIN_HEIGHT} pixels")
    for entry in days:
        if any(count < 0 for count in entry.counts.values()):
            raise ValueError(f"negative count on {entry.day.isoformat()}")

    rows = [[entry.counts.get(p, 0) for p in PRINCIPLE_ORDER] for entry in days]
    totals = [sum(row) for row in rows]
    present = [p for i, p in enumerate(PRINCIPLE_ORDER) if any(row[i] for row in rows)]

    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = _Canvas(image)

    title_font = _font(_TITLE_SIZE)
    # Pillow's built-in font has no en dash: a plain hyphen reads the same in a title.
    text = _ellipsize(title_font, title.replace("\u2013", "-"), width - 2 * _PAD)
    _draw_centred(draw, x=width / 2, y=_PAD, text=text, font=title_font, fill=_TITLE_COLOUR)
    y = _PAD + _line_height(title_font) + 10
    # Only principles that appear get a swatch, so each colour in the picture means something
    # on the chart; an empty period gets a friendly line in the plot instead.
    y = _draw_legend(draw, principles=present, top=y, width=width)

    plot = _layout(totals=totals, days=[e.day for e in days], top=y, width=width, height=height)
    _draw_axes(draw, plot)
    for index, (entry, row) in enumerate(zip(days, rows, strict=True)):
        _draw_bar(draw, plot, index=index, day=entry.day, row=row)

    if not present:
        font = _font(_LEGEND_SIZE)
        message = _ellipsize(font, _EMPTY_MESSAGE, plot.right - plot.left - 8)
        middle = (plot.top + plot.bottom) / 2 - _line_height(font)
        centre = (plot.left + plot.right) / 2
        _draw_centred(draw, x=centre, y=middle, text=message, font=font, fill=_MUTED_COLOUR)
    return image


#: How far (Euclidean, in 0-255 levels) a text edge's colour keeps from every flat colour.
#: Pillow maps a colour to the palette through a cache of cells 4 levels wide, each mapped to
#: the entry nearest the cell's corner, up to 7 levels off: an edge colour nearer than twice
#: that to a flat colour could take the flat colour's own pixels (white paper as 252 grey).
_EDGE_CLEARANCE = 15


@lru_cache(maxsize=1)
def _palette() -> Image.Image:
    """Every colour a chart draws: its flat colours, and each text ink's edges on white."""
    flat: list[RGB] = [_BACKGROUND, *_TEXT_INKS, _GRID_COLOUR, _AXIS_COLOUR]
    flat += PRINCIPLE_COLOURS.values()
    edges: list[RGB] = []
    for ink in _TEXT_INKS:
        for step in range(1, _EDGE_STEPS):
            share = step / _EDGE_STEPS
            mixed = zip(ink, _BACKGROUND, strict=True)
            r, g, b = (round(i * share + p * (1 - share)) for i, p in mixed)
            edges.append((r, g, b))
    # The faintest edges (within the clearance of the paper or a grid line) go: they read
    # as the flat colour next to them.
    kept = [e for e in edges if min(math.dist(e, f) for f in flat) >= _EDGE_CLEARANCE]
    colours = list(dict.fromkeys([*flat, *kept]))
    if len(colours) > 256:
        raise ValueError("a PNG palette holds 256 colours")
    palette = Image.new("P", (1, 1))
    palette.putpalette([channel for colour in colours for channel in colour])
    return palette
