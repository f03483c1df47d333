"""The own-style command on a folder of WAVs: extends the bundled checkpoint by one style,
keeps the bundled styles unchanged, and exports a loadable model."""

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from chameleon_training import own_style
from chameleon_training.engine import OnnxStyleModel, process_audio
from chameleon_training.export import load_checkpoint
from chameleon_training.styles import STYLES

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("attack, ensemble", [("90", "1"), (None, None)])
def test_wav_folder_style_extends_the_bundled_model(tmp_path, attack, ensemble):
    wavs = tmp_path / "wavs"
    wavs.mkdir()
    sr = 44100
    t = np.arange(int(sr * 0.8)) / sr
    # Two takes of notes that swell in over about 150 ms, with rests between them.
    swell = np.sqrt(1.0 - np.exp(-t / 0.15)) * np.exp(-2.0 * np.maximum(t - 0.6, 0.0))
    for i, f0 in enumerate((220.0, 330.0)):
        tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8)) * 0.1 * swell
        take = np.concatenate([np.concatenate([tone, np.zeros(sr // 4)]) for _ in range(3)])
        sf.write(str(wavs / f"take{i}.wav"), take.astype(np.float32), sr)
    out = tmp_path / "mine.onnx"
    own_style.main(["--ident", "my_tone", "--name", "My Tone", "--wav-dir", str(wavs),
                    "--out", str(out), "--steps", "3", "--batch", "16"]
                   + (["--attack-ms", attack] if attack else [])
                   + (["--ensemble", ensemble] if ensemble else []))
    model = OnnxStyleModel(out)
    base, ckpt = load_checkpoint(REPO / "assets/models/chameleon-styles.pt")
    # The bundled styles keep the style table's attack times; the new style has its own, given
    # or fitted to the notes of its recordings.
    table = {s.ident: s.attack_ms for s in STYLES}
    assert list(model.attack_ms[:-1]) == [table[s[0]] for s in ckpt["styles"]]
    if attack:
        assert model.attack_ms[-1] == 90.0
    else:
        assert 130.0 <= model.attack_ms[-1] <= 170.0
    # Likewise the ensemble depths (model format 5): the table's, and the new style's own
    # (0 unless given: a solo instrument).
    depths = {s.ident: s.ensemble for s in STYLES}
    assert list(model.ensemble[:-1]) == [depths[s[0]] for s in ckpt["styles"]]
    assert model.ensemble[-1] == (1.0 if ensemble else 0.0)
    assert model.styles == [s[0] for s in ckpt["styles"]] + ["my_tone"]
    assert model.style_names[-1] == "My Tone"
    # The bundled styles' rows are untouched.
    new = torch.load(out.with_suffix(".pt"), map_location="cpu", weights_only=False)["state"]
    n = base.n_styles
    assert torch.equal(new["eq"][:n], base.state_dict()["eq"])
    assert torch.equal(new["style_emb"][:, :n], base.state_dict()["style_emb"])
    y = process_audio(model, np.sin(2 * np.pi * 440 * np.arange(24000) / 48000) * 0.3, "my_tone")
    assert np.all(np.isfinite(y)) and np.sqrt(np.mean(y ** 2)) > 1e-4
