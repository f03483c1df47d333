"""The training losses that hold a frame's level: the paired frames' total-power term and
the level loss of frames with no true target."""

import math

import numpy as np
import pytest
import torch

from chameleon_training import analysis
from chameleon_training.model import predicted_magnitude
from chameleon_training.model import third_octave_matrix
from chameleon_training.train import level_loss, spectral_loss

G = analysis.DEFAULT


class FixedGain(torch.nn.Module):
    """A stand-in model whose output is its input times ``gain`` in every bin."""

    def __init__(self, gain: float):
        super().__init__()
        self.gain = gain

    def forward(self, x, s, state=None):
        return (torch.full((x.shape[0], G.bins), self.gain),)

    def magnitude_from_outputs(self, features, outputs):
        return predicted_magnitude(features[:, -1], outputs[0], None, G.feature_floor)


class Moved(FixedGain):
    """A stand-in model whose output is its input frame's power moved three bins up."""

    def magnitude_from_outputs(self, features, outputs):
        cur = torch.clamp(torch.exp(features[:, -1]) - G.feature_floor, min=0.0)
        return torch.roll(cur, 3, dims=1)


def tone_frames(n: int = 8) -> torch.Tensor:
    """``[n, 2, bins]`` features of a harmonic frame at a few levels."""
    rng = np.random.default_rng(0)
    mag = np.zeros((n, G.bins))
    mag[:, 10::10] = rng.uniform(0.01, 1.0, size=(n, 1)) * np.arange(1, len(mag[0, 10::10]) + 1) ** -1.0
    f = np.log(mag + G.feature_floor)
    return torch.tensor(np.stack([f, f], axis=1), dtype=torch.float32)


@pytest.mark.parametrize("gain", [1.0, 2.0, 0.25])
def test_level_loss_is_the_total_power_error_in_nepers(gain):
    x = tone_frames()
    s = torch.ones(x.shape[0], 1)
    loss = float(level_loss(FixedGain(gain), x, s, G.feature_floor))
    assert loss == pytest.approx(abs(math.log(gain)), abs=1e-3)


def test_level_loss_ignores_where_the_power_sits():
    # The same power moved to other bins costs nothing: only the level is the tones' target.
    x = tone_frames()
    loss = float(level_loss(Moved(1.0), x, torch.ones(x.shape[0], 1), G.feature_floor))
    assert loss < 1e-3


@pytest.mark.parametrize("gain", [1.0, 2.0, 0.25])
def test_paired_total_power_error_is_the_level_against_the_target_in_nepers(gain):
    # Target = the input frame, output = input x gain: the third term of the paired loss is
    # |ln gain|, the same for a frame whose power sits anywhere.
    x = tone_frames()
    s = torch.ones(x.shape[0], 1)
    bands = torch.tensor(third_octave_matrix(G), dtype=torch.float32)
    fine, env, level = spectral_loss(FixedGain(gain), x, s, x[:, -1], bands, G.feature_floor)
    assert float(level) == pytest.approx(abs(math.log(gain)), abs=1e-3)


def test_paired_total_power_error_ignores_where_the_power_sits():
    # Moving the target's power to other bins costs the spectral terms, not the level term.
    x = tone_frames()
    bands = torch.tensor(third_octave_matrix(G), dtype=torch.float32)
    fine, env, level = spectral_loss(Moved(1.0), x, torch.ones(x.shape[0], 1), x[:, -1], bands,
                                     G.feature_floor)
    assert float(level) < 1e-3
    assert float(fine) > 0.1
