"""Writes docs/model-report.md from an evaluation result."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

REGENERATE = "training/scripts/evaluate.sh"
SOUNDFONT_NAMES = {
    "timgm6mb": "TimGM6mb by Tim Brechbill, independent of the two training soundfonts",
    "fluidr3": "FluidR3 GM",
    "musescore": "MuseScore General Lite",
}


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
             f"the held-out soundfont (`{result['soundfont']}`: {SOUNDFONT_NAMES.get(result['soundfont'], '')}), with the sources "
             f"{', '.join(result['sources'])}. The model output (c) was produced by {engine}.\n")
    L.append(f"Regenerate: `{REGENERATE}` (about {result['seconds'] / 60:.0f} min on 2 cores; renders are cached "
             "under training/cache).\n")
    L.append("## Metrics\n")
    L.append("- **LSD** (dB): per frame, RMS over bins of the dB difference between the processed source and "
             "the true target render; mean over frames within 40 dB of the loudest target frame. The output is "
             "first scaled to the target's energy (gain-invariant); bins have a floor 80 dB below the loudest "
             "target bin.\n"
             "- **Envelope LSD** (dB): the same on 1/3-octave band powers (timbre, not partial detail).\n"
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
    L.append(f"The bar (mean LSD ≤ 0.90 × match-EQ, mean envelope LSD ≤ 0.80 × match-EQ, no style worse than "
             f"match-EQ on either) is {verdict}: LSD ratio {bar['lsd_ratio']:.3f}, envelope ratio "
             f"{bar['env_ratio']:.3f}.")
    if bar["worse_lsd"] or bar["worse_env"]:
        L.append(f" Styles worse than match-EQ: LSD {', '.join(bar['worse_lsd']) or 'none'}; "
                 f"envelope {', '.join(bar['worse_env']) or 'none'}.")
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
    L.append("## Content, recognisability and morph\n")
    L.append("**Chroma correlation** with the input (content kept; 1.0 = identical pitch content), and **style "
             "recognisability**: the share of one-second chunks that a style classifier (logistic regression on "
             "1/3-octave band statistics, trained on target renders of eight other chorales through all three "
             f"soundfonts; training accuracy {result['classifier_train_accuracy']:.2f}) assigns to the chosen style. "
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
        L.append("## Spectrograms (first held-out piece, piano source, held-out soundfont)\n")
        for img in result["images"]:
            L.append(f"![{Path(img).stem}]({_rel(img, path)})\n")
    if extra:
        L.append(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L) + "\n")
