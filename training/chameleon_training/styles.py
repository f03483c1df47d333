"""The bundled styles (General MIDI target programs) and the source programs they learn from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    """One target style: identifier (``[a-z0-9_-]+``), display name, GM program (0-based) and
    attack time: how long, in ms, a new partial takes to swell in (the time constant of
    :mod:`chameleon_training.attack`; 0 keeps the source's onsets, as a plucked string does)
    and ensemble depth (0 to 1, :mod:`chameleon_training.ensemble`: how strongly its partials
    beat as a section of players' do; 0 for a solo instrument)."""

    ident: str
    name: str
    program: int
    attack_ms: float = 0.0
    ensemble: float = 0.0


#: Attack times: a bowed ensemble and a choir swell in slowest, a solo bow a little faster, a
#: flute, reed or organ pipe speaks within tens of ms, a trumpet's tongued attack faster still,
#: and a plucked nylon string keeps its source's onset. Only the sections (the string ensemble
#: and the choir) beat as a section does.
STYLES: tuple[Style, ...] = (
    Style("strings", "String Ensemble", 48, 120.0, ensemble=1.0),
    Style("violin", "Violin", 40, 80.0),
    Style("cello", "Cello", 42, 80.0),
    Style("trumpet", "Trumpet", 56, 40.0),
    Style("flute", "Flute", 73, 60.0),
    Style("clarinet", "Clarinet", 71, 50.0),
    Style("church_organ", "Church Organ", 19, 40.0),
    Style("choir", "Choir Aahs", 52, 120.0, ensemble=1.0),
    Style("nylon_guitar", "Nylon Guitar", 24, 0.0),
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
