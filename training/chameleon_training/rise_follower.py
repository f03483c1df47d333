"""Rise followers, as the Rust engine's ``rise_follower`` module keeps them: one value per bin
that rises towards the bin's power as a one-pole filter and falls with it at once, started
again from zero on a silent frame. The attack times (:mod:`.attack`) and the ensemble voices
(:mod:`.ensemble`) both ask how far a bin has risen beyond what it held."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def held_shares(power: np.ndarray, a: float, active: np.ndarray | None = None
                ) -> Iterator[tuple[int, np.ndarray]]:
    """For each frame ``t`` of bin powers ``[frames, bins]`` that ``active`` does not mark
    silent, ``(t, follower / power)``: under 1 where the bin rises (its follower takes the share
    ``a`` of the rise), 1 where it is steady or falls (or is not finite; the follower follows at
    once). A silent frame yields nothing and resets the followers to zero."""
    follower = np.zeros(power.shape[1])
    for t in range(len(power)):
        if active is not None and not active[t]:
            follower[:] = 0.0
            continue
        p = power[t]
        rising = (p > follower) & np.isfinite(p)
        follower = np.where(rising, follower + a * (p - follower), np.where(np.isfinite(p), p, 0.0))
        held = np.ones_like(p)
        held[rising] = follower[rising] / p[rising]
        yield t, held
