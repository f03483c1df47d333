"""Writes docs/model-report.md from an evaluation result."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .metrics import BIN_FLOOR_DB, FRAME_FLOOR_DB

REGENERATE = "training/scripts/evaluate.sh"
def bank_phrase(result: dict) -> str:
    """How the report names the evaluation bank: held out of the model's training, or seen in
    training with held-out pieces."""
    from chameleon_training import banks

    b = banks.bank(result["soundfont"])
    if result.get("hold_out"):
        return f"the held-out bank `{b.name}` ({b.origin}), a family the model never heard"
    return (f"the bank `{b.name}` ({b.origin}), which the model was trained on (the pieces are held "
            "out; [model-folds.md](model-folds.md) has every bank held out in turn)")


def _rel(path: str, report: Path) -> str:
    return os.path.relpath(path, report.parent)


def write_report(path: Path, result: dict, summary: dict, styles, extra: str = "") -> None:
    """Renders the markdown report."""
    ps, mean, bar = summary["per_style"], summary["mean"], summary["bar"]
    names = {s.ident: s.name for s in styles}
    engine = "the Rust engine (`chameleon-render`)" if result["engine"] == "rust" else \
        "the Python reference engine (`chameleon_training.engine`)"
    L = []
    L.append("# Style model report\n")
    L.append(f"Model: `{Path(result['model']).name}`. Evaluated on {len(result['pieces'])} held-out Bach "
             f"chorales (never used in training: {', '.join(result['pieces'])}), 20 s each, rendered through "
             f"{bank_phrase(result)}, with the sources "
             f"{', '.join(result['sources'])}. The model output (c) was produced by {engine}.\n")
    L.append(f"Regenerate: `{REGENERATE}` (about {result['seconds'] / 60:.0f} min on 2 cores; renders are cached "
             "under training/cache).\n")
    L.append("## Metrics\n")
    L.append("- **LSD** (dB): per frame, RMS over bins of the dB difference between the processed source and "
             f"the true target render; mean over frames within {FRAME_FLOOR_DB:.0f} dB of the loudest target frame. "
             "The output is first scaled to the target's energy (gain-invariant); bins have a floor "
             f"{BIN_FLOOR_DB:.0f} dB below the loudest target bin of the clip.\n"
             "- **Envelope LSD** (dB): the same on 1/3-octave band powers from 40 Hz up, every band weighted "
             "equally (timbre, not partial detail). The bins below 40 Hz (at N = 1024 only the DC bin) join the "
             "lowest band; before model 1.1 the DC bin counted as a band of its own, which added a large, "
             "timbre-free error term to every row (both definitions are in the bar line below).\n"
             "- (a) **identity**: the source unchanged; (b) **match-EQ**: a static EQ mapping the clip's own "
             "1/3-octave long-term spectrum onto the style's average spectrum over the training data; "
             "(c) **model**.\n")
    L.append("## Per-style distances (mean over sources and pieces)\n")
    L.append("| style | LSD (a) identity | LSD (b) match-EQ | LSD (c) model | c/b | env (a) | env (b) | env (c) | c/b |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for k, v in ps.items():
        L.append(f"| {names[k]} | {v['lsd_identity']:.2f} | {v['lsd_match_eq']:.2f} | **{v['lsd_model']:.2f}** | "
                 f"{v['lsd_model'] / v['lsd_match_eq']:.2f} | {v['env_identity']:.2f} | {v['env_match_eq']:.2f} | "
                 f"**{v['env_model']:.2f}** | {v['env_model'] / v['env_match_eq']:.2f} |")
    L.append(f"| **mean** | {mean['lsd_identity']:.2f} | {mean['lsd_match_eq']:.2f} | **{mean['lsd_model']:.2f}** | "
             f"{bar['lsd_ratio']:.2f} | {mean['env_identity']:.2f} | {mean['env_match_eq']:.2f} | "
             f"**{mean['env_model']:.2f}** | {bar['env_ratio']:.2f} |\n")
    verdict = "**met**" if bar["met"] else "**not met**"
    L.append(f"The bar (mean LSD ≤ 0.85 × match-EQ, mean envelope LSD ≤ 0.80 × match-EQ, no style worse than "
             f"match-EQ on either) is {verdict}: LSD ratio {bar['lsd_ratio']:.3f}, envelope ratio "
             f"{bar['env_ratio']:.3f}.")
    if bar["worse_lsd"] or bar["worse_env"]:
        L.append(f" Styles worse than match-EQ: LSD {', '.join(bar['worse_lsd']) or 'none'}; "
                 f"envelope {', '.join(bar['worse_env']) or 'none'}.")
    if bar.get("env_with_dc_ratio") is not None:
        L.append(f" With the DC bin counted as a band of its own (the definition before model 1.1), the "
                 f"envelope ratio is {bar['env_with_dc_ratio']:.3f} (match-EQ {mean['envdc_match_eq']:.2f} dB, "
                 f"model {mean['envdc_model']:.2f} dB).")
    L.append("\n")
    # Per source breakdown.
    rows = result["rows"]
    L.append("### By source program (mean over styles and pieces)\n")
    L.append("| source | LSD (a) | LSD (b) | LSD (c) | env (a) | env (b) | env (c) |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for src_name, p in zip(result["sources"], sorted({r["source"] for r in rows}, key=lambda x: [r["source"] for r in rows].index(x))):
        rs = [r for r in rows if r["source"] == p]
        m = {k: np.mean([r[k] for r in rs]) for k in ("lsd_identity", "lsd_match_eq", "lsd_model", "env_identity", "env_match_eq", "env_model")}
        L.append(f"| {src_name} | {m['lsd_identity']:.2f} | {m['lsd_match_eq']:.2f} | {m['lsd_model']:.2f} | "
                 f"{m['env_identity']:.2f} | {m['env_match_eq']:.2f} | {m['env_model']:.2f} |")
    L.append("")
    real = result.get("realism")
    if real:
        L.append("## Realism\n")
        L.append("A two-sample classifier (logistic regression on the same one-second chunk features) learns to "
                 "tell outputs from the true target renders, and is scored on pieces it did not train on "
                 "(leave-one-piece-out): 0.5 means it cannot tell them apart, 1.0 that it always can. "
                 f"Model: **{real['model']:.2f}**; match-EQ: {real['match_eq']:.2f} (bar 0.75).\n")
    L.append("## Content, recognisability and morph\n")
    L.append("**Chroma correlation** with the input (content kept; 1.0 = identical pitch content), and **style "
             "recognisability**: the share of one-second chunks that a style classifier (logistic regression on "
             "1/3-octave band statistics, trained on target renders of five other chorales through every "
             f"installed bank; training accuracy {result['classifier_train_accuracy']:.2f}) assigns to the chosen style. "
             "Identity and match-EQ are the floor, the true targets the ceiling.\n")
    L.append("| style | chroma (b) | chroma (c) | chroma target | classified (a) | (b) | (c) | target |")
    L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for k, v in ps.items():
        L.append(f"| {names[k]} | {v['chroma_match_eq']:.3f} | {v['chroma_model']:.3f} | {v['chroma_target']:.3f} | "
                 f"{v['clf_identity']:.2f} | {v['clf_match_eq']:.2f} | {v['clf_model']:.2f} | {v['clf_target']:.2f} |")
    L.append(f"| **mean** | {mean['chroma_match_eq']:.3f} | {mean['chroma_model']:.3f} | {mean['chroma_target']:.3f} | "
             f"{mean['clf_identity']:.2f} | {mean['clf_match_eq']:.2f} | {mean['clf_model']:.2f} | {mean['clf_target']:.2f} |\n")
    if result["morph"]:
        L.append("**Morph sanity** (style vector 0.5/0.5, piano source, Python reference engine): long-term "
                 "1/3-octave spectra in dB. *Position* is the projection of the morph onto the line from style A's "
                 "output (0) to style B's output (1); *off line* is the distance from that line relative to the A–B "
                 "distance. A morph that lies between its styles has a position near 0.5 and a small off-line value.\n")
        L.append("| A | B | position | off line | RMS dist to A (dB) | to B (dB) | A to B (dB) |")
        L.append("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for m in result["morph"]:
            L.append(f"| {names[m['a']]} | {names[m['b']]} | {m['position']:.2f} | {m['off_line']:.2f} | "
                     f"{m['dist_a']:.2f} | {m['dist_b']:.2f} | {m['dist_ab']:.2f} |")
        L.append("")
    if result["images"]:
        L.append(f"## Spectrograms (first held-out piece, first source, bank `{result['soundfont']}`)\n")
        for img in result["images"]:
            L.append(f"![{Path(img).stem}]({_rel(img, path)})\n")
    if result.get("clips"):
        L.append(f"## Audio examples (first held-out piece, 5 s, first source, bank `{result['soundfont']}`)\n")
        L.append("| clip | file |")
        L.append("| --- | --- |")
        for name, clip in result["clips"]:
            L.append(f"| {name} | [{Path(clip).name}]({_rel(clip, path)}) |")
        L.append("")
    info = result.get("model_info")
    if info:
        t = info.get("timing", {})
        L.append("## Model, size, speed, training\n")
        L.append(f"- Output kind `{info.get('output', 'mask_noise')}`: {OUTPUT_TEXT[info.get('output', 'mask_noise')]} "
                 f"{info['context']} causal context frames, per-frame projection 513 → {info['frame_dim']}, "
                 f"trunk {info['hidden']} wide with {info['blocks']} residual blocks, style embeddings added at "
                 f"every block.{state_text(info)}"
                 + (" Model format 2 with generated phase: where the output is 6 to 18 dB or more over the "
                    "input in a bin, the phase is propagated from the output's own previous frames instead of "
                    "taken from the input (docs/model-format.md)." if info.get("phase") == "generated" else ""))
        L.append(f"- {info['parameters']:,} parameters, {info['bytes'] / 1e6:.1f} MB.")
        L.append(f"- ONNX Runtime, one CPU thread, batch 2 (a stereo hop): {t.get('median_ms', float('nan')):.3f} ms "
                 f"median, {t.get('p99_ms', float('nan')):.3f} ms 99th percentile (2-core machine shared with "
                 "other jobs; budget 0.5 ms).")
        L.append(f"- Training: {info['steps']} steps × batch {info['batch']} on one CPU thread in "
                 f"{info['train_seconds'] / 60:.0f} min.\n")
    curve = path.parent / "img" / "model-training-curve.png"
    if curve.exists():
        L.append("## Training curve\n")
        L.append("L1 log-amplitude loss (fine: per bin; envelope: per 1/3-octave band) on the training "
                 "batches and on one fixed batch of training data.\n")
        L.append(f"![training curve]({_rel(str(curve), path)})\n")
    if extra:
        L.append(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L) + "\n")


#: What each output kind of chameleon_training.model computes, for the report and the card.
OUTPUT_TEXT = {
    "mask_noise": "`mask` = exp(style-weighted static EQ curve + bounded residual), so the model starts "
                  "from a per-style EQ and learns what EQ cannot do; `noise` = the input frame's "
                  "1/3-octave envelope × a learned per-style, per-bin level, the magnitude of an added "
                  "random-phase component (breath, bow noise, ensemble smear that a mask cannot create).",
    "mask": "`mask` = exp(style-weighted static EQ curve + bounded residual).",
    "magnitude": "`magnitude` = the input log-magnitude + style-weighted static EQ curve + bounded "
                 "residual, with the input phase.",
}
#: The sustain state, for the report and the card.
SUSTAIN_TEXT = ("A recurrent state (`state_in`/`state_out`, one value per 1/3-octave band) holds each "
                "band's recent peak input level, falling at 6 dB/s; the trunk sees how far the current "
                "frame lies below it, so it knows how far a note has decayed since its onset.")
#: The long-term part of the state, for the report and the card.
LONGTERM_TEXT = ("A second value per band holds the input's long-term level (a 3 s moving average of "
                 "band power); the trunk sees the frame against it and the long-term spectral shape.")


def state_text(info: dict) -> str:
    """The recurrent state of a model with hyper-parameters ``info``, as a sentence to append
    (with a leading space), or nothing for a model without one."""
    if not info.get("sustain"):
        return ""
    return " " + SUSTAIN_TEXT + (" " + LONGTERM_TEXT if info.get("longterm") else "")


def _banks():
    from chameleon_training import banks

    return banks


def recipe_text(args: dict) -> str:
    """The recipe options a checkpoint was trained with (its saved train arguments, all strings),
    in words; empty for a checkpoint that used none of them."""
    def number(key: str) -> float:
        return float(args.get(key) or 0)

    parts = []
    if args.get("shared_music") == "True":
        parts.append("every bank plays one note stream (`--shared-music`)")
    if number("cross_bank") > 0:
        parts.append(f"a share of {number('cross_bank'):g} of the paired targets comes from another bank "
                     f"playing the same notes (`--cross-bank`)")
    if number("level_weight") > 0:
        parts.append(f"an L1 term on each paired frame's total power in nepers, weight "
                     f"{number('level_weight'):g} (`--level-weight`)")
    if number("tone_fraction") > 0:
        parts.append(f"steady tones as a {number('tone_fraction'):g} share of each batch, weight "
                     f"{number('tone_weight'):g} (`--tone-fraction`, `--tone-weight`)")
    if not parts:
        return ""
    return " Recipe (training/scripts/recipe.sh): " + "; ".join(parts) + "."


def write_model_card(path: Path, result: dict, summary: dict, styles, model_info: dict,
                     release: str = "") -> None:
    """Writes assets/models/README.md: what the bundled model is, its data, licences and metrics.
    ``release`` (markdown list items, from training/eval/model-card-release.md) says what this
    version changed; it opens the Model section."""
    ps, mean, bar = summary["per_style"], summary["mean"], summary["bar"]
    t = model_info.get("timing", {})
    L = ["# Chameleon Orchestra — bundled style model\n",
         "`chameleon-styles.onnx` is the style model the plugin and `chameleon-render` load by default. "
         "`chameleon-styles.pt` is its PyTorch checkpoint, the starting point for "
         "`training/scripts/own-style.sh`.\n",
         "## Model\n",
         *([release.strip()] if release.strip() else []),
         f"- Format: Chameleon model format v{model_info.get('format_version', 1)} (docs/model-format.md)"
         f"{', generated phase' if model_info.get('phase') == 'generated' else ''}, output kind "
         f"`{model_info.get('output', 'mask_noise')}`; "
         f"48 kHz, FFT 1024, hop 256, periodic sqrt-Hann, {model_info['context']} causal context frames "
         "(no look-ahead: the model adds no latency of its own, `extra_latency_samples` = 0).",
         f"- Architecture: per-frame projection of the log-magnitude spectrum (513 → {model_info['frame_dim']}), "
         f"the {model_info['context']} frames concatenated into a {model_info['hidden']}-wide trunk with "
         f"{model_info['blocks']} residual MLP blocks; learned style embeddings weighted by the style vector are "
         "added at the trunk input and at every block (a morph is the same network fed a blended vector). "
         "Outputs: " + OUTPUT_TEXT[model_info.get("output", "mask_noise")] + state_text(model_info),
         f"- Size: {model_info['parameters']:,} parameters, {model_info['bytes'] / 1e6:.1f} MB.",
         f"- Speed: {t.get('median_ms', float('nan')):.3f} ms median ({t.get('p99_ms', float('nan')):.3f} ms 99th "
         "percentile) per hop for a stereo frame pair (batch 2) in ONNX Runtime on one CPU thread "
         "(`python -m chameleon_training.export CKPT OUT --time`, on the 2-core development machine while other "
         "jobs ran); the budget is 0.5 ms.",
         f"- Training: {model_info['steps']} steps of batch {model_info['batch']} on one CPU thread, "
         f"{model_info['train_seconds'] / 60:.0f} min while other jobs shared the machine (plus about 8 min of "
         "rendering every bank on first run). Loss: L1 of log magnitude (the output magnitude the engine's "
         "resynthesis gives for the model's output kind) plus L1 of log 1/3-octave band power, both against the "
         "true target render; for the broadband tenth of each batch, L1 of log 1/3-octave band power against the "
         "style's long-term colour at the input frame's power." + recipe_text(model_info.get("recipe", {})) + "\n",
         "## Styles\n",
         "| id | name | General MIDI program |", "| --- | --- | ---: |"]
    for s in styles:
        L.append(f"| `{s.ident}` | {s.name} | {s.program + 1} |")
    L += ["",
          "## Data and licences\n",
          "- **Music**: J. S. Bach four-part chorales from the music21 corpus (music21 is BSD-3-Clause; its corpus "
          "is distributed with the encoders' permission, see music21/corpus/license.txt; the chorale files carry "
          "no further restriction and the compositions are public domain). Every tenth chorale is held "
          "out of training. Generated phrases (scales, arpeggios, sustained notes) add range and dynamics.",
          "- **Instruments**: every independent bank the package registries offer, rendered offline at 48 kHz "
          "without reverb or chorus (FluidSynth for soundfonts, TiMidity++ for FreePats, the project's own sampler "
          "for recordings; `chameleon_training/banks.py`):",
          *[f"  - `{b.name}` ({'recordings' if b.recorded else 'sampled bank'}, family `{b.family}`): {b.origin}"
            + (" — **training**" if b.name in model_info.get("banks", []) else " — not in training")
            for b in _banks().BANKS.values()],
          "- **Augmentation**: rooms (synthetic reverberant responses) and pitch drift and vibrato on a third of the "
          "pieces, the same for source and target; microphone tilt and a noise floor on the source only; a "
          "broadband stream (noise, synthetic drums, clicks) trained to the style's colour at the input's own "
          "power (`chameleon_training/augment.py`, `broadband.py`).",
          "- The model file is distributed under the project's licence (GPL-3.0-or-later).\n",
          f"## Evaluation (held-out chorales through `{result['soundfont']}`)\n",
          "Every training bank is in this model's training, so its generalisation to unheard instruments is "
          "measured by the leave-one-bank-out folds ([docs/model-folds.md](../../docs/model-folds.md)) and on "
          "the evaluation-only bank that no model has heard "
          "([docs/model-outside-bank.md](../../docs/model-outside-bank.md)). Where banks of different "
          "families play a program from the same samples "
          "([docs/model-shared-samples.md](../../docs/model-shared-samples.md)), the folds leave it out of "
          "the other banks too, and the outside-bank report gives the programs no training bank shares "
          "their own row.\n",
          f"Full report: [docs/model-report.md](../../docs/model-report.md). Mean over {len(styles)} styles, "
          f"{len(result['sources'])} source instruments and {len(result['pieces'])} pieces, model run through "
          f"{'the Rust engine' if result['engine'] == 'rust' else 'the Python reference engine'}:\n",
          "| | identity | match-EQ | model | model / match-EQ | bar |",
          "| --- | ---: | ---: | ---: | ---: | ---: |",
          f"| LSD (dB) | {mean['lsd_identity']:.2f} | {mean['lsd_match_eq']:.2f} | {mean['lsd_model']:.2f} | {bar['lsd_ratio']:.2f} | ≤ 0.85 |",
          f"| envelope LSD (dB) | {mean['env_identity']:.2f} | {mean['env_match_eq']:.2f} | {mean['env_model']:.2f} | {bar['env_ratio']:.2f} | ≤ 0.80 |",
          f"| classified as the chosen style | {mean['clf_identity']:.2f} | {mean['clf_match_eq']:.2f} | {mean['clf_model']:.2f} | | target renders: {mean['clf_target']:.2f} |",
          f"| chroma correlation with the input | 1.00 | {mean['chroma_match_eq']:.3f} | {mean['chroma_model']:.3f} | | target renders: {mean['chroma_target']:.3f} |",
          ""]
    if bar["met"]:
        L.append("The quality bar is met on every style of this bank, which the model was trained on (held-out "
                 "pieces); the bar that counts is met or not per fold in "
                 "[docs/model-folds.md](../../docs/model-folds.md).")
    else:
        L.append(f"The quality bar is **not met**: mean LSD is {bar['lsd_ratio']:.2f} × match-EQ (bar 0.85), mean "
                 f"envelope LSD {bar['env_ratio']:.2f} × match-EQ (bar 0.80); styles worse than match-EQ: LSD "
                 f"{', '.join(bar['worse_lsd']) or 'none'}; envelope {', '.join(bar['worse_env']) or 'none'}. "
                 "See the report for per-style numbers.")
    L += ["",
          "## Limits\n",
          "- Trained on five independent bank families: four sampled General MIDI banks and one set of real "
          "recordings (the Salamander grand piano and the tonejs-instruments recordings). The recordings have no "
          "string ensemble, choir or church organ, so those styles never heard a real recording of themselves. "
          "How the recipe holds on a bank it never heard: [docs/model-folds.md](../../docs/model-folds.md).",
          "- The output keeps the source's partial structure, and its onsets where the style's attack time (model "
          "format 4) does not soften them: a plucked source's decay stays. Generated phase (model format 2) keeps a "
          "partial coherent where the model sustains energy the source has lost, but vibrato, bow and breath noise, "
          "formants and ensemble width are not created yet; a two-sample classifier still tells outputs from true "
          "target renders most of the time (the realism row of the folds table).",
          "- Drums, noise and steady tones were trained only to keep their level (noise and drums to the style's "
          "colour at the input's own power): the model alone (its attack times included, which soften every hit under "
          "a sustained style) leaves white noise at −2.2 to −0.1 dB, a drum loop at −7.0 to −2.8 dB and a 110 Hz "
          "square wave at −1.9 to −0.4 dB (`level-report --raw-model`, "
          "[docs/LEVEL-SAFETY.md](../../docs/LEVEL-SAFETY.md)), and real drums, voices and a full mix are "
          "measured in [docs/real-world.md](../../docs/real-world.md). The engine's level safety still holds every "
          "output to the input's level whatever a model does.",
          "- Weak rows of the level match (all quieter, never louder): a held DC step (−2.1 to −1.8 dB), a square "
          "wave (down to −1.9 dB) and a quiet sweep (−1.8 dB); in Live the violin on a square wave (−2.8 dB).",
          ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L) + "\n")
