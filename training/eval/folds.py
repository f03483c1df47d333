"""Leave-one-bank-out evaluation: one model per bank family, trained without it and evaluated
on it, and the tables of every fold.

    training/scripts/folds.sh                       # trains the missing folds, then evaluates
    PYTHONPATH=training training/.venv/bin/python -m eval.folds --runs training/runs \
        --report docs/model-folds.md

Each fold's checkpoint is ``RUNS/fold-FAMILY/checkpoint.pt`` (``chameleon_training.train
--hold-out FAMILY``). This exports it, runs :mod:`eval.evaluate` on the family's bank with the
held-out pieces, and writes one table row per fold, the mean over folds, and every style's row
per fold, against the match-EQ baseline and the bars of the style-model issue.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from chameleon_training import banks

from . import evaluate

REPO = Path(__file__).resolve().parents[2]

#: The bank each family is evaluated on (the family's first installed bank).
def eval_bank(family: str) -> str:
    names = banks.family_banks(family)
    if not names:
        raise RuntimeError(f"no bank of family {family} is installed")
    return names[0]


def run_fold(family: str, runs: Path, pieces: int, engine: str) -> dict:
    """Exports and evaluates one fold; returns its evaluation (cached in the run folder)."""
    from chameleon_training.export import main as export_main

    run = runs / f"fold-{family}"
    ckpt = run / "checkpoint.pt"
    if not ckpt.exists():
        raise FileNotFoundError(f"{ckpt} is missing: train it with "
                                f"`chameleon_training.train --hold-out {family} --out {run}`")
    onnx = run / "model.onnx"
    if not onnx.exists() or onnx.stat().st_mtime < ckpt.stat().st_mtime:
        export_main([str(ckpt), str(onnx), "--version", f"fold-{family}", "--phase", "generated"])
    summary = json.loads((run / "summary.json").read_text()) if (run / "summary.json").exists() else {}
    result = cached_evaluation(onnx, eval_bank(family), family, pieces, engine,
                               run / f"eval-{engine}-{pieces}.json", run / "img")
    return dict(result, steps=summary.get("steps"))


def cached_evaluation(model: Path, bank: str, hold_out: str, pieces: int, engine: str,
                      out: Path, img_dir: Path) -> dict:
    """:func:`evaluate.main`'s result for ``model`` on ``bank`` (match-EQ curves of the fold
    holding out ``hold_out``, or ``"none"``), kept in ``out`` and run again only when the model
    file is newer."""
    if not out.exists() or out.stat().st_mtime <= model.stat().st_mtime:
        out.parent.mkdir(parents=True, exist_ok=True)
        evaluate.main(["--model", str(model), "--bank", bank, "--hold-out", hold_out,
                       "--pieces", str(pieces), "--engine", engine, "--json", str(out),
                       "--img-dir", str(img_dir)])
    return json.loads(out.read_text())


def fold_summary(result: dict) -> dict:
    """The per-style means and the fold's ratios, from :func:`evaluate.summarise`."""
    from chameleon_training.styles import STYLES

    present = {r["style"] for r in result["rows"]}
    styles = [s for s in STYLES if s.ident in present]
    return evaluate.summarise(result, styles)


def run_baseline(model: Path, family: str, runs: Path, pieces: int, engine: str) -> dict | None:
    """Evaluates an earlier model file on a fold's bank, with the fold's match-EQ curves
    (cached as ``RUNS/base/STEM-BANK-PIECES.json``)."""
    bank = eval_bank(family)
    out = runs / "base" / f"{model.stem}-{bank}-{pieces}.json"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        evaluate.main(["--model", str(model), "--bank", bank, "--hold-out", family, "--pieces", str(pieces),
                       "--engine", engine, "--json", str(out), "--img-dir", str(out.parent / "img")])
    return json.loads(out.read_text())


def baseline_table(name: str, baselines: dict[str, dict], numbers: dict) -> list[str]:
    """The earlier model on the same banks, pieces, sources and match-EQ curves as each fold."""
    L = [f"\n## Before: {name} on the same banks\n",
         f"{name} evaluated exactly as each fold's model (same bank, pieces, sources and match-EQ curves). "
         "Where it was trained on the bank (the fluid family) the row is left out.\n",
         "| bank | LSD ratio before → fold | env ratio before → fold | classifier before → fold | "
         "realism before → fold | styles worse than EQ before |",
         "| --- | --- | --- | --- | --- | --- |"]
    for family, result in baselines.items():
        s = fold_summary(result)
        bar, m = s["bar"], s["mean"]
        f = numbers[family]
        worse = sorted(set(bar["worse_lsd"]) | set(bar["worse_env"]))
        L.append(f"| {result['soundfont']} | {bar['lsd_ratio']:.3f} → {f['lsd_ratio']:.3f} | "
                 f"{bar['env_ratio']:.3f} → {f['env_ratio']:.3f} | {m['clf_model']:.2f} → {f['clf']:.2f} | "
                 f"{result['realism']['model']:.2f} → {f['realism']:.2f} | {', '.join(worse) or '-'} |")
    return L


def taken_for_table(numbers: dict, fams: list[str], over: str = "folds") -> list[str]:
    """Per style, the styles the classifier heard in the model's outputs, as shares of the
    output chunks averaged over the evaluations ``fams`` (``over`` names them: folds) that have
    the style (evaluations made before the counts were recorded are left out)."""
    from chameleon_training.styles import STYLES

    rows = []
    for s in STYLES:
        total: dict[str, float] = {}
        folds_with = [f for f in fams if s.ident in numbers[f].get("taken_for", {})]
        for f in folds_with:
            for k, v in numbers[f]["taken_for"][s.ident].items():
                total[k] = total.get(k, 0.0) + v / len(folds_with)
        if not total:
            continue
        ranked = [kv for kv in sorted(total.items(), key=lambda kv: -kv[1])[:4] if kv[1] >= 0.005]
        rows.append(f"| {s.ident} | {len(folds_with)} | "
                    + ", ".join(f"{k} {v:.2f}" for k, v in ranked) + " |")
    if not rows:
        return []
    return [f"\n## What the style classifier took each style for (mean over {over})\n",
            "Up to four styles heard most often in the model's output chunks for each chosen "
            f"style, as shares of its chunks, averaged over the {over} whose bank has the style.\n",
            f"| chosen style | {over} | heard as |", "| --- | ---: | --- |", *rows]


def result_header(first: str) -> list[str]:
    """Header of the one-row-per-evaluation table (:func:`result_row`), ``first`` naming the
    first column."""
    return [f"| {first} | training steps | styles | sources | LSD model | LSD match-EQ | LSD ratio | "
            "env model | env match-EQ | env ratio | classifier | classifier (targets) | "
            "realism (model / match-EQ) | styles worse than EQ |",
            "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]


def result_row(label: str, result: dict) -> tuple[dict, str]:
    """(the numbers, the table row) of one evaluation (:func:`evaluate.main`'s result) under
    :func:`result_header`."""
    summary = fold_summary(result)
    m, bar = summary["mean"], summary["bar"]
    worse = sorted(set(bar["worse_lsd"]) | set(bar["worse_env"]))
    real = result.get("realism", {})
    numbers = dict(bank=result["soundfont"], lsd_ratio=bar["lsd_ratio"], env_ratio=bar["env_ratio"],
                   clf=m["clf_model"], clf_target=m["clf_target"], worse=worse,
                   realism=real.get("model", float("nan")),
                   realism_eq=real.get("match_eq", float("nan")),
                   per_style=summary["per_style"], taken_for=summary.get("taken_for", {}))
    row = (f"| {label} ({result['soundfont']}) | {result.get('steps') or '?'} | {len(summary['per_style'])} | "
           f"{'; '.join(result['sources'])} | {m['lsd_model']:.2f} | {m['lsd_match_eq']:.2f} | "
           f"{bar['lsd_ratio']:.3f} | {m['env_model']:.2f} | {m['env_match_eq']:.2f} | "
           f"{bar['env_ratio']:.3f} | {m['clf_model']:.2f} | {m['clf_target']:.2f} | "
           f"{realism_cell(numbers['realism'], numbers['realism_eq'])} | "
           f"{', '.join(worse) or '-'} |")
    return numbers, row


def realism_cell(model: float, match_eq: float) -> str:
    """The realism cell: model / match-EQ accuracy, or "-" where it was not measured."""
    if not (np.isfinite(model) and np.isfinite(match_eq)):
        return "-"
    return f"{model:.2f} / {match_eq:.2f}"


def style_table(numbers: dict, columns: list[str]) -> list[str]:
    """Every style's LSD ratio / envelope ratio / classifier, one column per evaluation."""
    from chameleon_training.styles import STYLES

    L = ["| style | " + " | ".join(columns) + " |", "| --- |" + " ---: |" * len(columns)]
    for s in STYLES:
        cells = []
        for f in columns:
            v = numbers[f]["per_style"].get(s.ident)
            if v is None:
                cells.append("(not in bank)")
            else:
                cells.append(f"{v['lsd_model'] / v['lsd_match_eq']:.2f} / {v['env_model'] / v['env_match_eq']:.2f} / "
                             f"{v['clf_model']:.2f}")
        L.append(f"| {s.ident} | " + " | ".join(cells) + " |")
    return L


def shared_samples_lines(families: list[str]) -> list[str]:
    """What each fold's training banks leave out because they play it from the held-out
    family's samples (:mod:`chameleon_training.shared_samples`)."""
    from chameleon_training import shared_samples

    programs = shared_samples.training_programs()
    notes = []
    for family in (f for f in families if f in banks.FAMILIES):
        for name in banks.fold_banks(family):
            left = shared_samples.excluded_programs(name, family, programs)
            if left:
                notes.append(f"- Holding out {family}, `{name}` leaves out "
                             + ", ".join(shared_samples.program_label(p) for p in left) + ".")
    if not notes:
        return []
    return ["\nSome banks of different families play a program from the same samples "
            "([model-shared-samples.md](model-shared-samples.md)). A fold leaves those programs out "
            "of the other banks' training data (and out of its match-EQ curves), so that its held-out "
            "bank stays unheard:\n", *notes]


def write_report(path: Path, folds: dict[str, dict], baselines: dict[str, dict] | None = None,
                 baseline_name: str = "") -> dict:
    """Writes the folds' markdown tables; returns the numbers."""
    L = ["# Leave-one-bank-out evaluation\n",
         "Each row is one fold: a model trained on every bank family but one "
         "(`chameleon_training.train --hold-out FAMILY`), evaluated on held-out chorales rendered "
         "through the family it never heard, against the true target render. Ratios are the "
         "model's distance over the match-EQ baseline's (lower is better; bars: LSD <= 0.85, "
         "envelope <= 0.80). The classifier column is the share of output chunks the style "
         "classifier puts in the chosen style (bar 0.90). Realism is the held-out-piece accuracy of a "
         "two-sample classifier telling outputs from true target renders (0.5: indistinguishable; "
         "bar 0.75). Generated by `training/scripts/folds.sh`.\n",
         *result_header("held-out family (bank)")]
    numbers = {}
    for family, result in folds.items():
        numbers[family], row = result_row(family, result)
        L.append(row)
    if numbers:
        mean = {k: float(np.mean([v[k] for v in numbers.values()]))
                for k in ("lsd_ratio", "env_ratio", "clf", "clf_target", "realism", "realism_eq")}
        L.append(f"| **mean over folds** | | | | | | **{mean['lsd_ratio']:.3f}** | | | "
                 f"**{mean['env_ratio']:.3f}** | **{mean['clf']:.2f}** | {mean['clf_target']:.2f} | "
                 f"{mean['realism']:.2f} / {mean['realism_eq']:.2f} | |")
        numbers["mean"] = mean
    L += shared_samples_lines(list(folds))
    L.append("\n## Every style in every fold (LSD ratio / envelope ratio / classifier)\n")
    fams = [f for f in folds]
    L += style_table(numbers, fams)
    L += taken_for_table(numbers, fams)
    if baselines:
        L += baseline_table(baseline_name, baselines, numbers)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L) + "\n")
    return numbers


def publish(report: Path, numbers: dict, json_path: Path | None) -> dict:
    """Writes ``numbers`` to ``json_path`` (when given) and prints the written markdown
    ``report``; returns the numbers."""
    if json_path is not None:
        json_path.write_text(json.dumps(numbers, indent=1))
    print(report.read_text())
    return numbers


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=Path, default=REPO / "training/runs")
    ap.add_argument("--families", default=",".join(banks.FAMILIES))
    ap.add_argument("--pieces", type=int, default=3)
    ap.add_argument("--engine", choices=["rust", "python"], default="rust")
    ap.add_argument("--report", type=Path, default=REPO / "docs/model-folds.md")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--baseline", type=Path, default=None,
                    help="an earlier model file to evaluate on every fold's bank for a before/after table")
    ap.add_argument("--baseline-name", default="the earlier model")
    ap.add_argument("--baseline-trained-on", default="fluid",
                    help="comma-separated families the earlier model was trained on (left out)")
    args = ap.parse_args(argv)
    folds = {}
    for family in args.families.split(","):
        if not (args.runs / f"fold-{family}" / "checkpoint.pt").exists():
            print(f"folds: no checkpoint for fold {family}; skipped")
            continue
        folds[family] = run_fold(family, args.runs, args.pieces, args.engine)
    baselines = {}
    if args.baseline is not None:
        seen = set(args.baseline_trained_on.split(","))
        baselines = {f: run_baseline(args.baseline, f, args.runs, args.pieces, args.engine)
                     for f in folds if f not in seen}
    return publish(args.report, write_report(args.report, folds, baselines, args.baseline_name), args.json)


if __name__ == "__main__":
    main()
