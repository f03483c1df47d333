"""A small style classifier used as a judge: does the output sound like the chosen style?

Features per one-second chunk: mean and standard deviation over time of the log 1/3-octave
band powers, after removing the chunk's overall level (gain invariant). A multinomial
logistic regression on these is trained on target renders of pieces other than the
evaluation pieces.
"""

from __future__ import annotations

import numpy as np
import torch

from .metrics import band_power

CHUNK_FRAMES = 187  # about 1 s at hop 256, 48 kHz


def chunk_features(mag: np.ndarray, chunk: int = CHUNK_FRAMES, min_db: float = 40.0) -> np.ndarray:
    """``[chunks, 2 * bands]`` features of the active one-second chunks of ``mag``."""
    pb = band_power(mag)
    e = pb.sum(axis=1)
    if e.max() <= 0:
        return np.zeros((0, 2 * pb.shape[1]), dtype=np.float32)
    thr = e.max() * 10 ** (-min_db / 10)
    out = []
    for i in range(0, len(pb) - chunk + 1, chunk):
        seg = pb[i:i + chunk]
        act = e[i:i + chunk] > thr
        if act.mean() < 0.5:
            continue
        lp = 10 * np.log10(seg[act] + e.max() * 1e-9)
        lp -= lp.mean()
        out.append(np.concatenate([lp.mean(axis=0), lp.std(axis=0)]))
    return np.array(out, dtype=np.float32).reshape(-1, 2 * pb.shape[1])


class StyleClassifier:
    """Standardised features -> logistic regression over the style labels."""

    def __init__(self, n_classes: int):
        self.n_classes = n_classes
        self.mean = None
        self.std = None
        self.linear = None

    def fit(self, x: np.ndarray, y: np.ndarray, steps: int = 400, seed: int = 0) -> float:
        """Trains on ``x`` ``[n, d]`` with labels ``y``; returns training accuracy."""
        torch.manual_seed(seed)
        self.mean = x.mean(axis=0)
        self.std = x.std(axis=0) + 1e-3
        xt = torch.tensor((x - self.mean) / self.std, dtype=torch.float32)
        yt = torch.tensor(y, dtype=torch.long)
        self.linear = torch.nn.Linear(x.shape[1], self.n_classes)
        opt = torch.optim.Adam(self.linear.parameters(), lr=0.05, weight_decay=1e-3)
        for _ in range(steps):
            loss = torch.nn.functional.cross_entropy(self.linear(xt), yt)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return float((self.predict(x) == y).mean())

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted labels for ``x`` ``[n, d]``."""
        if len(x) == 0:
            return np.zeros(0, dtype=int)
        with torch.no_grad():
            xt = torch.tensor((x - self.mean) / self.std, dtype=torch.float32)
            return self.linear(xt).argmax(dim=1).numpy()


def two_sample_accuracy(real: list[tuple[str, np.ndarray]], fake: list[tuple[str, np.ndarray]],
                        steps: int = 300) -> float:
    """How well a classifier tells ``fake`` chunks from ``real`` ones, on pieces it was not
    trained on: leave-one-piece-out cross-validation of a logistic regression on the chunk
    features, each fold balanced; 0.5 means indistinguishable. Items are ``(piece, [chunks,
    d])``."""
    pieces = sorted({p for p, _ in real} & {p for p, _ in fake})
    correct = total = 0
    for held in pieces:
        def stack(items, train):
            xs = [x for p, x in items if (p != held) == train and len(x)]
            return np.concatenate(xs) if xs else np.zeros((0, 0), np.float32)
        xr, xf = stack(real, True), stack(fake, True)
        tr, tf = stack(real, False), stack(fake, False)
        if min(len(xr), len(xf), len(tr), len(tf)) == 0:
            continue
        n = min(len(xr), len(xf))
        rng = np.random.default_rng(0)
        xr, xf = xr[rng.permutation(len(xr))[:n]], xf[rng.permutation(len(xf))[:n]]
        clf = StyleClassifier(2)
        clf.fit(np.concatenate([xr, xf]), np.concatenate([np.zeros(n, int), np.ones(n, int)]), steps=steps)
        m = min(len(tr), len(tf))
        tr, tf = tr[:m], tf[:m]
        correct += int((clf.predict(tr) == 0).sum() + (clf.predict(tf) == 1).sum())
        total += 2 * m
    return correct / total if total else float("nan")
