"""A minimal Standard MIDI File writer for note lists (one track, one channel, one program).

Writing the file ourselves keeps exactly one program change at time 0 (music21 can leave two
when instruments are inserted), so renders of the same notes with different programs align.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

#: Ticks per quarter note; with the fixed tempo below one tick is 1/960 s.
TICKS_PER_QUARTER = 480
#: Microseconds per quarter note (120 bpm).
TEMPO_US = 500_000
TICKS_PER_SECOND = TICKS_PER_QUARTER * 1_000_000 / TEMPO_US


@dataclass(frozen=True)
class Note:
    """One note: MIDI pitch 0..127, start and duration in seconds, velocity 1..127."""

    pitch: int
    start: float
    duration: float
    velocity: int = 90


def _varlen(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    return bytes(reversed(out))


def midi_bytes(notes: list[Note], program: int, channel: int = 0) -> bytes:
    """A format-0 SMF playing ``notes`` with GM ``program`` (0..127) on ``channel``.

    Channel 9 is the GM percussion channel and is refused.
    """
    if channel == 9 or not 0 <= channel < 16:
        raise ValueError(f"channel {channel} is not a melodic channel")
    if not 0 <= program < 128:
        raise ValueError(f"program {program} is outside 0..127")
    events: list[tuple[int, int, bytes]] = []
    for n in notes:
        if not 0 <= n.pitch < 128:
            continue
        on = int(round(n.start * TICKS_PER_SECOND))
        off = max(on + 1, int(round((n.start + n.duration) * TICKS_PER_SECOND)))
        vel = max(1, min(127, int(n.velocity)))
        # Offs sort before ons at the same tick so repeated notes retrigger.
        events.append((off, 0, bytes([0x80 | channel, n.pitch, 0])))
        events.append((on, 1, bytes([0x90 | channel, n.pitch, vel])))
    events.sort(key=lambda e: (e[0], e[1]))
    track = bytearray()
    track += b"\x00\xff\x51\x03" + TEMPO_US.to_bytes(3, "big")
    # Bank 0, then the program; reverb/chorus sends to 0 so the render stays dry.
    track += bytes([0x00, 0xB0 | channel, 0x00, 0x00])
    track += bytes([0x00, 0xB0 | channel, 0x5B, 0x00])
    track += bytes([0x00, 0xB0 | channel, 0x5D, 0x00])
    track += bytes([0x00, 0xC0 | channel, program])
    last = 0
    for tick, _, data in events:
        track += _varlen(tick - last) + data
        last = tick
    track += b"\x00\xff\x2f\x00"
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, TICKS_PER_QUARTER)
    return header + b"MTrk" + struct.pack(">I", len(track)) + bytes(track)


def write_midi(path: Path, notes: list[Note], program: int) -> None:
    """Writes :func:`midi_bytes` to ``path``."""
    Path(path).write_bytes(midi_bytes(notes, program))


def shift(notes: list[Note], seconds: float) -> list[Note]:
    """The notes moved later by ``seconds``."""
    return [Note(n.pitch, n.start + seconds, n.duration, n.velocity) for n in notes]


def end_time(notes: list[Note]) -> float:
    """Time the last note ends, seconds (0 for no notes)."""
    return max((n.start + n.duration for n in notes), default=0.0)
