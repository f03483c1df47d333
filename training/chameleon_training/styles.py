"""The bundled styles (General MIDI target programs) and the source programs they learn from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    """One target style: identifier (``[a-z0-9_-]+``), display name and GM program (0-based)."""

    ident: str
    name: str
    program: int


STYLES: tuple[Style, ...] = (
    Style("strings", "String Ensemble", 48),
    Style("violin", "Violin", 40),
    Style("cello", "Cello", 42),
    Style("trumpet", "Trumpet", 56),
    Style("flute", "Flute", 73),
    Style("clarinet", "Clarinet", 71),
    Style("church_organ", "Church Organ", 19),
    Style("choir", "Choir Aahs", 52),
    Style("nylon_guitar", "Nylon Guitar", 24),
)

#: Source programs seen in training besides the styles themselves (GM, 0-based).
SOURCE_PROGRAMS: dict[int, str] = {
    0: "Acoustic Grand Piano",
    4: "Electric Piano 1",
    11: "Vibraphone",
    16: "Drawbar Organ",
    25: "Steel Guitar",
    80: "Square Lead",
    81: "Saw Lead",
    89: "Warm Pad",
}

#: Source programs used for evaluation (also seen as training sources, but never through the
#: held-out soundfont or with the held-out pieces).
EVAL_SOURCE_PROGRAMS: tuple[int, ...] = (0, 81, 25)


def style_index(ident: str) -> int:
    """Index of a style identifier in :data:`STYLES`."""
    for i, s in enumerate(STYLES):
        if s.ident == ident:
            return i
    raise KeyError(f"unknown style {ident!r}; known: {', '.join(s.ident for s in STYLES)}")
