"""Charts as PNG images, for the health check and the plan that shows its results: both groups' scores per dimension
with the gap between them, and the trend of the indexes over the rounds; and the risk register's heat map. Drawn
with matplotlib's Agg backend, which needs no display.

What a chart shows is worked out first, as plain data (which the tests check), and only then drawn.
"""

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from stages.health import HealthResults, TrendPoint
from stages.risks import level

WIDTH, HEIGHT, DPI = 8.0, 4.5, 100  # 800 x 450 pixels: readable at Slack's preview size
SIZE = (int(WIDTH * DPI), int(HEIGHT * DPI))
COLOURS = ("#1f77b4", "#ff7f0e")
GAP_COLOUR = "#7f7f7f"
ALERT_COLOUR = "#d62728"


@dataclass(frozen=True)
class GapChart:
    """Per dimension (largest gaps first): each group's score (NaN where withheld) and the gap (NaN unknown)."""

    title: str
    dimensions: tuple[str, ...]
    labels: tuple[str, str]
    scores: tuple[tuple[float, ...], tuple[float, ...]]
    gaps: tuple[float, ...]
    flagged: tuple[bool, ...]


@dataclass(frozen=True)
class TrendChart:
    """Per round, in order: the overall index and each group's (NaN where withheld)."""

    title: str
    rounds: tuple[str, ...]
    overall: tuple[float, ...]
    labels: tuple[str, str]
    by_group: tuple[tuple[float, ...], tuple[float, ...]]


def _value(number: float | None) -> float:
    return math.nan if number is None else number


def gap_chart(title: str, found: HealthResults, labels: tuple[str, str]) -> GapChart:
    groups = [g.group for g in found.groups]
    return GapChart(
        title,
        tuple(d.dimension for d in found.dimensions),
        labels,
        (
            tuple(_value(f.score if (f := d.figures[groups[0]]) else None) for d in found.dimensions),
            tuple(_value(f.score if (f := d.figures[groups[1]]) else None) for d in found.dimensions),
        ),
        tuple(_value(d.gap) for d in found.dimensions),
        tuple(d.flagged for d in found.dimensions),
    )


def trend_chart(title: str, points: Sequence[TrendPoint], labels: tuple[str, str]) -> TrendChart:
    groups = list(points[-1].by_group) if points else []
    return TrendChart(
        title,
        tuple(f"#{p.number}\n{p.closed_on:%d %b %Y}" for p in points),
        tuple(_value(p.index) for p in points),
        labels,
        (
            tuple(_value(p.by_group.get(groups[0])) for p in points) if groups else (),
            tuple(_value(p.by_group.get(groups[1])) for p in points) if groups else (),
        ),
    )


def draw_gap(chart: GapChart) -> bytes:
    """Horizontal bars of both groups per dimension, the gap beside them (flagged gaps in red)."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    scores, gaps = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]}, sharey=True)
    rows = list(range(len(chart.dimensions)))
    height = 0.38
    for n, (label, values, colour) in enumerate(zip(chart.labels, chart.scores, COLOURS, strict=True)):
        if all(math.isnan(v) for v in values):
            label = f"{label} (withheld: too few answers)"
        scores.barh([r + (n - 0.5) * height for r in rows], values, height=height, label=label, color=colour)
    scores.set_yticks(rows, [_short(d) for d in chart.dimensions], fontsize=8)
    scores.invert_yaxis()
    scores.set_xlim(0, 100)
    scores.set_xlabel("score (0-100)", fontsize=8)
    scores.legend(fontsize=8, loc="lower right")
    scores.set_title(chart.title, fontsize=10, loc="left")
    colours = [ALERT_COLOUR if flagged else GAP_COLOUR for flagged in chart.flagged]
    gaps.barh(rows, [0 if math.isnan(g) else g for g in chart.gaps], color=colours)
    gaps.set_xlim(0, 100)
    gaps.set_xlabel("gap", fontsize=8)
    figure.tight_layout()
    return _png(figure)


def draw_trend(chart: TrendChart) -> bytes:
    """The overall index and each group's over the rounds."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    axes = figure.subplots()
    rows = list(range(len(chart.rounds)))
    axes.plot(rows, chart.overall, marker="o", color="black", label="overall", linewidth=2)
    for label, values, colour in zip(chart.labels, chart.by_group, COLOURS, strict=True):
        if values:
            axes.plot(rows, values, marker="o", color=colour, label=label, linestyle="--")
    axes.set_xticks(rows, list(chart.rounds), fontsize=8)
    axes.set_ylim(0, 100)
    axes.set_ylabel("index (0-100)", fontsize=8)
    axes.legend(fontsize=8)
    axes.set_title(chart.title, fontsize=10, loc="left")
    figure.tight_layout()
    return _png(figure)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _png(figure: Figure) -> bytes:
    # The figure's own size, not a tight bounding box: every chart is the same size in Slack.
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()


LEVEL_COLOURS = {"low": "#a1d99b", "medium": "#fdd49e", "high": "#fc9272"}


def draw_heat_map(title: str, cells: Sequence[Sequence[int]]) -> bytes:
    """The 5x5 risk matrix: impact 5 at the top, likelihood 1 to 5 across, each cell coloured by its score's band
    and showing how many open risks sit in it."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    axes = figure.subplots()
    size = len(cells)
    for row, counts in enumerate(cells):
        impact = size - row
        for column, count in enumerate(counts):
            likelihood = column + 1
            colour = LEVEL_COLOURS[level(likelihood * impact)]
            axes.add_patch(Rectangle((column, size - 1 - row), 1, 1, facecolor=colour, edgecolor="white"))
            if count:
                axes.text(column + 0.5, size - 0.5 - row, str(count), ha="center", va="center", fontsize=14)
    axes.set_xlim(0, size)
    axes.set_ylim(0, size)
    axes.set_xticks([n + 0.5 for n in range(size)], [str(n + 1) for n in range(size)])
    axes.set_yticks([n + 0.5 for n in range(size)], [str(n + 1) for n in range(size)])
    axes.set_xlabel("likelihood", fontsize=8)
    axes.set_ylabel("impact", fontsize=8)
    axes.set_aspect("equal")
    axes.set_title(title, fontsize=10, loc="left")
    figure.tight_layout()
    return _png(figure)
