"""Tests for the weekly digest chart."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date, timedelta

import pytest
from PIL import Image, ImageDraw

from slackapp.domain.digests import DayCounts
from slackapp.domain.vocabulary import PRINCIPLE_ORDER, Principle
from slackapp.render.chart import (
    MAX_DAYS,
    MIN_HEIGHT,
    MIN_WIDTH,
    PRINCIPLE_COLOURS,
    _Canvas,
    _font,
    weekly_chart_image,
    weekly_chart_png,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The chart's paper, grid, axis and text colours.
_INKS = ((255, 255, 255), (228, 231, 235), (154, 165, 177), (31, 41, 51), (62, 76, 89))
MONDAY = date(2025, 6, 23)


def _week(*counts: Mapping[Principle, int], start: date = MONDAY) -> list[DayCounts]:
    return [DayCounts(day=start + timedelta(days=i), counts=c) for i, c in enumerate(counts)]


def _zeros(n: int) -> list[DayCounts]:
    return _week(*({} for _ in range(n)))


def _busy_week() -> list[DayCounts]:
    return _week(
        {Principle.SOLVE: 4, Principle.CARE: 3, Principle.LAUGH: 1, Principle.OPPORTUNITY: 2},
        {Principle.SOLVE: 2, Principle.CARE: 5},
        {},
        {Principle.LAUGH: 6, Principle.OPPORTUNITY: 3},
        {Principle.SOLVE: 1},
    )


def _open(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    data = image.tobytes()
    return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    data = _open(png).convert("RGB").tobytes()
    return {(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)}


Box = tuple[int, int, int, int]  # left, top, right, bottom (inclusive)


def _boxes(png: bytes, colour: tuple[int, int, int]) -> list[Box]:
    """Bounding boxes of the connected regions painted exactly `colour`, left to right."""
    image = _open(png).convert("RGB")
    pixels = image.load()
    assert pixels is not None
    seen: set[tuple[int, int]] = set()
    boxes: list[Box] = []
    for y in range(image.height):
        for x in range(image.width):
            if (x, y) in seen or pixels[x, y] != colour:
                continue
            left, top, right, bottom = x, y, x, y
            stack = [(x, y)]
            seen.add((x, y))
            while stack:
                cx, cy = stack.pop()
                left, top = min(left, cx), min(top, cy)
                right, bottom = max(right, cx), max(bottom, cy)
                for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                    if (
                        0 <= nx < image.width
                        and 0 <= ny < image.height
                        and (nx, ny) not in seen
                        and pixels[nx, ny] == colour
                    ):
                        seen.add((nx, ny))
                        stack.append((nx, ny))
            boxes.append((left, top, right, bottom))
    return sorted(boxes)


def _bar_segments(png: bytes, colour: tuple[int, int, int]) -> list[Box]:
    """The boxes of `colour` that are bar segments, not the 12x12 legend swatch."""
    boxes = _boxes(png, colour)
    swatches = [b for b in boxes if (b[2] - b[0] + 1, b[3] - b[1] + 1) == (12, 12)]
    assert len(swatches) == 1, boxes
    return sorted((b for b in boxes if b not in swatches), key=lambda b: b[0])


def _height(box: Box) -> int:
    return box[3] - box[1] + 1


def test_output_is_a_png_of_the_requested_size_and_mode() -> None:
    png = weekly_chart_png(_busy_week(), title="This week", width=640, height=320)
    assert png.startswith(PNG_SIGNATURE)
    image = _open(png)
    assert image.format == "PNG"
    assert image.size == (640, 320)
    # A palette of the chart's own colours (and its text's edges): a third smaller, and
    # saved three times as fast as full colour.
    assert image.mode == "P"


@pytest.mark.parametrize(
    "days",
    [_busy_week(), _week(*([{Principle.CARE: 9000, Principle.LAUGH: 12}] * 7)), _zeros(7)],
    ids=["busy", "tall", "empty"],
)
def test_the_png_shows_what_was_drawn(days: list[DayCounts]) -> None:
    # Every flat colour exactly (paper, bars, swatches, grid, axis, solid ink); the soft edges
    # of text within a few levels of what was drawn (Pillow maps colours to a palette through
    # cells 4 levels wide), a difference no eye sees.
    drawn = weekly_chart_image(days, title="Real connections, 21 \u2013 27 November")
    saved = _open(weekly_chart_png(days, title="Real connections, 21 \u2013 27 November"))
    assert saved.size == drawn.size
    pairs = list(zip(_pixels(drawn), _pixels(saved.convert("RGB")), strict=True))
    flat = {*PRINCIPLE_COLOURS.values(), *_INKS}
    assert all(s == d for d, s in pairs if d in flat)
    off = [max(abs(a - b) for a, b in zip(d, s, strict=True)) for d, s in pairs]
    assert max(off) <= 12, max(off)
    assert sum(1 for n in off if n > 3) <= len(off) // 100
    assert len(set(_pixels(saved.convert("RGB")))) > 20


def test_default_size_is_800_by_400() -> None:
    assert _open(weekly_chart_png(_busy_week(), title="t")).size == (800, 400)


def test_same_input_gives_identical_bytes() -> None:
    first = weekly_chart_png(_busy_week(), title="Week of 23 June")
    second = weekly_chart_png(_busy_week(), title="Week of 23 June")
    assert first == second


def test_a_busy_week_differs_from_an_empty_one() -> None:
    busy = weekly_chart_png(_busy_week(), title="Week")
    empty = weekly_chart_png(_zeros(5), title="Week")
    assert busy != empty
    assert _open(busy).tobytes() != _open(empty).tobytes()


def test_title_changes_the_picture() -> None:
    assert weekly_chart_png(_busy_week(), title="A") != weekly_chart_png(_busy_week(), title="B")


@pytest.mark.parametrize("principle", PRINCIPLE_ORDER)
def test_a_principles_colour_appears_only_when_it_has_counts(principle: Principle) -> None:
    only_this = weekly_chart_png(_week({}, {principle: 3}, {}), title="One principle")
    colours = _colours(only_this)
    assert PRINCIPLE_COLOURS[principle] in colours
    assert len(_bar_segments(only_this, PRINCIPLE_COLOURS[principle])) == 1
    for other in PRINCIPLE_ORDER:
        if other is not principle:
            assert PRINCIPLE_COLOURS[other] not in colours, other

    without = weekly_chart_png(
        _week({p: 2 for p in PRINCIPLE_ORDER if p is not principle}), title="All but one"
    )
    assert PRINCIPLE_COLOURS[principle] not in _colours(without)


def test_palette_is_distinct_and_covers_every_principle() -> None:
    assert set(PRINCIPLE_COLOURS) == set(Principle)
    assert len(set(PRINCIPLE_COLOURS.values())) == len(Principle)


def test_empty_chart_shows_no_principle_colour() -> None:
    colours = _colours(weekly_chart_png(_zeros(7), title="Quiet"))
    assert not colours & set(PRINCIPLE_COLOURS.values())


def test_one_segment_per_day_with_that_principle() -> None:
    # Solve appears on days 1, 2 and 5 of the busy week.
    segments = _bar_segments(
        weekly_chart_png(_busy_week(), title="t"), PRINCIPLE_COLOURS[Principle.SOLVE]
    )
    assert len(segments) == 3
    # All bars stand on the same baseline.
    assert len({box[3] for box in segments}) == 1


def test_bars_are_stacked_in_principle_order() -> None:
    png = weekly_chart_png(
        _week({Principle.SOLVE: 5, Principle.OPPORTUNITY: 5}), title="Stack", width=400, height=300
    )
    (solve,) = _bar_segments(png, PRINCIPLE_COLOURS[Principle.SOLVE])
    (opportunity,) = _bar_segments(png, PRINCIPLE_COLOURS[Principle.OPPORTUNITY])
    assert opportunity[3] + 1 == solve[1]  # opportunity sits directly on top of solve
    assert (opportunity[0], opportunity[2]) == (solve[0], solve[2])  # same bar
    assert abs(_height(solve) - _height(opportunity)) <= 1  # equal counts, equal heights


def test_bar_height_is_proportional_to_the_total() -> None:
    png = weekly_chart_png(
        _week({Principle.CARE: 10}, {Principle.CARE: 5}, {Principle.CARE: 1}), title="Scale"
    )
    ten, five, one = _bar_segments(png, PRINCIPLE_COLOURS[Principle.CARE])
    assert _height(ten) == pytest.approx(2 * _height(five), abs=1)
    assert _height(ten) == pytest.approx(10 * _height(one), abs=5)
    assert _height(one) >= 1


def test_a_bigger_week_gets_a_taller_axis_not_taller_bars() -> None:
    small = _bar_segments(
        weekly_chart_png(_week({Principle.LAUGH: 4}), title="t"), PRINCIPLE_COLOURS[Principle.LAUGH]
    )
    big = _bar_segments(
        weekly_chart_png(_week({Principle.LAUGH: 4}, {Principle.CARE: 400}), title="t"),
        PRINCIPLE_COLOURS[Principle.LAUGH],
    )
    assert _height(big[0]) < _height(small[0])


@pytest.mark.parametrize("count", range(1, MAX_DAYS + 1))
def test_any_number_of_days_from_one_to_a_month(count: int) -> None:
    days = _week(*({Principle.LAUGH: i % 4, Principle.CARE: 1} for i in range(count)))
    image = _open(weekly_chart_png(days, title=f"{count} days"))
    assert image.size == (800, 400)


def test_all_zero_period_renders_without_dividing_by_zero() -> None:
    image = _open(weekly_chart_png(_zeros(7), title="Nothing yet"))
    assert image.size == (800, 400)


def test_large_counts_render() -> None:
    days = _week({Principle.SOLVE: 5000}, {Principle.CARE: 4999, Principle.LAUGH: 1}, {})
    png = weekly_chart_png(days, title="Big week")
    # The single laugh is one in ten thousand but still gets at least a pixel on its bar.
    (laugh,) = _bar_segments(png, PRINCIPLE_COLOURS[Principle.LAUGH])
    (care,) = _bar_segments(png, PRINCIPLE_COLOURS[Principle.CARE])
    assert laugh[3] + 1 == care[1]
    huge = _week(*({p: 1_000_000 for p in PRINCIPLE_ORDER} for _ in range(31)))
    assert _open(weekly_chart_png(huge, title="Huge")).size == (800, 400)


def test_missing_principles_count_as_zero() -> None:
    sparse = _week({Principle.SOLVE: 2})
    explicit = _week({Principle.SOLVE: 2, Principle.CARE: 0, Principle.LAUGH: 0})
    assert weekly_chart_png(sparse, title="t") == weekly_chart_png(explicit, title="t")


def test_the_smallest_allowed_canvas_fits_a_worst_case_month() -> None:
    days = _week(*({p: 5000 + i for p in PRINCIPLE_ORDER} for i in range(MAX_DAYS)))
    png = weekly_chart_png(days, title="x" * 300, width=MIN_WIDTH, height=MIN_HEIGHT)
    assert _open(png).size == (MIN_WIDTH, MIN_HEIGHT)


def test_a_very_long_title_does_not_break_the_chart() -> None:
    png = weekly_chart_png(_busy_week(), title="Connections " * 40)
    assert _open(png).size == (800, 400)


@pytest.mark.parametrize(
    ("days", "width", "height"),
    [
        ([], 800, 400),
        (_zeros(MAX_DAYS + 1), 800, 400),
        (_zeros(7), MIN_WIDTH - 1, 400),
        (_zeros(7), 800, MIN_HEIGHT - 1),
        (_week({Principle.SOLVE: -1}), 800, 400),
    ],
)
def test_bad_input_is_rejected(days: list[DayCounts], width: int, height: int) -> None:
    with pytest.raises(ValueError):
        weekly_chart_png(days, title="t", width=width, height=height)


def test_labels_draw_ink_below_every_bar_even_on_zero_days() -> None:
    # Each day's label sits in its own slot; a zero day still gets dark label pixels there.
    png = weekly_chart_png(_zeros(7), title="Quiet week", width=700, height=350)
    gray = _open(png).convert("L").tobytes()
    width = 700
    plot_left, plot_right = 40, width - 16  # generous: the y-axis labels are narrow here
    slot = (plot_right - plot_left) / 7
    bottom_band = range(350 - 16 - 30, 350 - 8)
    for i in range(7):
        x_range = range(round(plot_left + slot * i + 4), round(plot_left + slot * (i + 1) - 4))
        dark = sum(1 for x in x_range for y in bottom_band if gray[y * width + x] < 128)
        assert dark > 10, f"no label ink under day {i}"


@pytest.mark.parametrize("size", [9, 12, 18])
@pytest.mark.parametrize("text", ["Mon 23", "1,250", "Embrace an opportunity", "Ag19,", "\u2026"])
def test_labels_are_drawn_as_pillow_draws_text(size: int, text: str) -> None:
    # Labels are drawn from a cache of their glyphs' coverage: pixel for pixel what
    # ImageDraw.text draws, at whole pixels, on paper and over a bar alike.
    for xy in [(10, 10), (0, -3), (37, 21)]:
        theirs = Image.new("RGB", (120, 50), (255, 255, 255))
        theirs.paste((242, 169, 59), (0, 25, 120, 50))
        ours = theirs.copy()
        ImageDraw.Draw(theirs).text(xy, text, font=_font(size), fill=(31, 41, 51))
        _Canvas(ours).text(xy, text, font=_font(size), fill=(31, 41, 51))
        assert ours.tobytes() == theirs.tobytes(), (text, size, xy)
