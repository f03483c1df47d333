"""The instrument banks the training data comes from, and the leave-one-bank-out folds.

A bank is one independent source of instrument sounds: a soundfont rendered by fluidsynth, the
FreePats GUS patches rendered by timidity, or a set of real recordings played by this package's
own sampler (:mod:`chameleon_training.sampler`). Banks that share samples form one *family*
(MuseScore General is partly built from Fluid R3), and a fold always holds out a whole family,
so no sample of the held-out family is ever heard in that fold's training.

Each bank says which GM programs (0-based) it really has. A program a bank lacks is never
rendered through it: timidity, for example, silently substitutes another bank's sound for a
missing FreePats patch.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Bank:
    """One independent instrument bank."""

    #: Short name, used in cache keys, fold names and reports.
    name: str
    #: Independence group: banks that share samples share a family.
    family: str
    #: ``"fluidsynth"`` (a .sf2/.sf3 file), ``"timidity"`` (a timidity config) or
    #: ``"sampler"`` (real recordings, :mod:`chameleon_training.sampler`).
    renderer: str
    #: The soundfont or timidity config file; for the sampler the recording set's name.
    path: str
    #: Where it comes from (Debian or npm package names) and its licence, for the report.
    origin: str
    #: True when the sounds are recordings of real instruments rather than a synthesiser's
    #: samples played back by a General MIDI bank.
    recorded: bool = False


BANKS: dict[str, Bank] = {b.name: b for b in (
    Bank("fluidr3", "fluid", "fluidsynth", "/usr/share/sounds/sf2/FluidR3_GM.sf2",
         "Debian fluid-soundfont-gm (Fluid R3 GM, MIT)"),
    Bank("musescore", "fluid", "fluidsynth", "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
         "Debian musescore-general-soundfont-small (MuseScore General Lite, MIT; partly Fluid R3)"),
    Bank("timgm6mb", "timgm6mb", "fluidsynth", "/usr/share/sounds/sf2/TimGM6mb.sf2",
         "Debian timgm6mb-soundfont (TimGM6mb, GPL-2)"),
    Bank("csound", "csound", "fluidsynth", "/usr/share/sounds/sf2/sf_GMbank.sf2",
         "Debian csound-soundfont (sf_GMbank, public domain)"),
    Bank("freepats", "freepats", "timidity", "/etc/timidity/freepats.cfg",
         "Debian freepats + timidity (FreePats GUS patches, GPL-2+ with an exception for works that use them)"),
    Bank("recorded", "recorded", "sampler", "recorded",
         "npm @audio-samples/piano-velocity* (Salamander Grand Piano V3, MIT) and "
         "tonejs-instrument-*-mp3 (the tonejs-instruments recordings, from public-domain sources; samples "
         "CC BY 3.0, code MIT; https://github.com/Makefully-Studios/tonejs-instruments)", recorded=True),
)}

#: Families in the order the folds run.
FAMILIES: tuple[str, ...] = ("fluid", "timgm6mb", "csound", "freepats", "recorded")

#: The banks the earlier models (format v1, model 1.1.0) were trained on.
LEGACY_TRAIN_BANKS: tuple[str, ...] = ("fluidr3", "musescore")


def bank(name: str) -> Bank:
    """The bank called ``name``, or a soundfont file given by path (its own family)."""
    if name in BANKS:
        return BANKS[name]
    if name.lower().endswith((".sf2", ".sf3")):
        stem = os.path.splitext(os.path.basename(name))[0]
        return Bank(stem, stem, "fluidsynth", name, f"soundfont file {name}")
    raise KeyError(f"unknown bank {name!r}; known: {', '.join(BANKS)} or a .sf2/.sf3 path")


def fold_banks(held_family: str | None) -> list[str]:
    """Training banks of the fold that holds out ``held_family`` (all banks for ``None``);
    only banks installed on this machine."""
    if held_family is not None and held_family not in FAMILIES:
        raise KeyError(f"unknown family {held_family!r}; known: {', '.join(FAMILIES)}")
    return [b.name for b in BANKS.values() if b.family != held_family and available(b.name)]


def family_banks(family: str) -> list[str]:
    """The installed banks of one family."""
    return [b.name for b in BANKS.values() if b.family == family and available(b.name)]


def available(name: str) -> bool:
    """Whether the bank's files and renderer are on this machine (recordings are fetched on
    first use, so the sampler bank only needs npm)."""
    b = bank(name)
    if b.renderer == "fluidsynth":
        return os.path.exists(b.path) and shutil.which("fluidsynth") is not None
    if b.renderer == "timidity":
        return os.path.exists(b.path) and shutil.which("timidity") is not None
    from . import sampler

    return sampler.can_fetch()


@lru_cache(maxsize=None)
def timidity_programs(cfg: str) -> frozenset[int]:
    """Melodic programs of bank 0 that a timidity config defines."""
    progs: set[int] = set()
    section = None
    with open(cfg, encoding="latin-1") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            head = line.split()
            if head[0] in ("bank", "drumset"):
                section = (head[0], int(head[1]))
                continue
            if section == ("bank", 0) and re.fullmatch(r"\d+", head[0]):
                progs.add(int(head[0]))
    return frozenset(progs)


def programs(name: str) -> frozenset[int]:
    """The GM programs (0-based) the bank really has."""
    b = bank(name)
    if b.renderer == "timidity":
        return timidity_programs(b.path)
    if b.renderer == "sampler":
        from . import sampler

        return frozenset(sampler.INSTRUMENTS)
    return frozenset(range(128))
