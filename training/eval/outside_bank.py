"""The bundled model on a bank no model has heard: the evaluation-only banks of
:mod:`chameleon_training.banks` (their licences allow no training), with the same held-out
chorales, sources, metrics and bars as the leave-one-bank-out folds.

    training/scripts/outside-bank.sh                # writes docs/model-outside-bank.md
    PYTHONPATH=training training/.venv/bin/python -m eval.outside_bank \
        --model assets/models/chameleon-styles.onnx --report docs/model-outside-bank.md

Where a fold's model has never heard one bank family, every model, the shipped one included,
meets an evaluation-only bank for the first time: it measures the shipped model itself on
instruments outside its training, as a producer's own sounds are.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from chameleon_training import banks, shared_samples
from chameleon_training.styles import STYLES

from . import folds

REPO = Path(__file__).resolve().parents[2]


def evaluation_only_banks() -> list[str]:
    """The banks no model trains on, in :data:`banks.BANKS` order."""
    return [b.name for b in banks.BANKS.values() if b.eval_only]


def run(model: Path, bank: str, pieces: int, engine: str, cache: Path) -> dict:
    """One evaluation of ``model`` on ``bank`` (cached in ``cache`` by model file and bank)."""
    result = folds.cached_evaluation(model, bank, "none", pieces, engine,
                                     cache / f"{model.stem}-{bank}-{pieces}-{engine}.json", cache / "img")
    return dict(result, steps=training_steps(model), train_banks=training_banks(model))


def training_steps(model: Path) -> int | None:
    """The training steps of ``model`` from its checkpoint beside it (``STEM.pt``), if any."""
    ckpt = model.with_suffix(".pt")
    if not ckpt.exists():
        return None
    import torch

    return torch.load(ckpt, map_location="cpu", weights_only=False).get("steps")


def training_banks(model: Path) -> list[str]:
    """The banks ``model`` was trained on: from its checkpoint beside it (``STEM.pt``); for a
    format version 1 file without one, the banks those models trained on; else every
    training bank."""
    ckpt = model.with_suffix(".pt")
    if ckpt.exists():
        import torch

        saved = torch.load(ckpt, map_location="cpu", weights_only=False).get("banks")
        if saved:
            return list(saved)
    import onnx

    meta = {p.key: p.value for p in onnx.load(str(model), load_external_data=False).metadata_props}
    if meta.get("chameleon.format_version", "1") == "1":
        return list(banks.LEGACY_TRAIN_BANKS)
    return banks.fold_banks(None)


def shared_with_training(bank: str, programs, train_banks: list[str]) -> list[int]:
    """The programs of ``programs`` that ``bank`` plays from the same samples as one of
    ``train_banks`` (:mod:`chameleon_training.shared_samples`): the bank is not new for those."""
    out: set[int] = set()
    for other in train_banks:
        out |= set(shared_samples.shared_programs(bank, other, programs))
    return sorted(out)


def unheard_part(result: dict) -> tuple[dict, list[str]]:
    """``result`` with only the rows whose style and source none of the model's training banks
    (``result["train_banks"]``, default every training bank) shares samples with (realism,
    measured over all rows, is left unknown); and what was left out."""
    bank = result["soundfont"]
    program = {s.ident: s.program for s in STYLES}

    def source_program(source) -> tuple[str, int]:
        """("bank", program) of a row's source key ``"bank:program"``."""
        name, _, prog = str(source).partition(":")
        return name, int(prog) if prog else -1

    used = {program[r["style"]] for r in result["rows"]}
    used |= {source_program(r["source"])[1] for r in result["rows"] if source_program(r["source"])[0] == bank}
    shared = set(shared_with_training(bank, sorted(used), result.get("train_banks") or banks.fold_banks(None)))

    def keep(r: dict) -> bool:
        name, prog = source_program(r["source"])
        return program[r["style"]] not in shared and not (name == bank and prog in shared)

    rows = [r for r in result["rows"] if keep(r)]
    styles = sorted({r["style"] for r in result["rows"]} - {r["style"] for r in rows})
    sources = sorted({r["source"] for r in result["rows"]} - {r["source"] for r in rows})
    left_out = [f"style {s}" for s in styles] + [f"source {s}" for s in sources]
    keys = list(dict.fromkeys(r["source"] for r in result["rows"]))  # in result["sources"] order
    kept_sources = [name for name, key in zip(result["sources"], keys) if key not in sources]
    return dict(result, rows=rows, sources=kept_sources, realism={}), left_out


def write_report(path: Path, results: dict[str, dict]) -> dict:
    """Writes the markdown tables, one row and one column per (model, bank); returns the numbers."""
    L = ["# The bundled model on a bank no model has heard\n",
         "The leave-one-bank-out folds ([model-folds.md](model-folds.md)) measure models trained "
         "without one bank family. The banks here are *evaluation only* "
         "(`chameleon_training/banks.py`): their licences allow no training, so the shipped model "
         "itself meets them for the first time, as it meets a producer's own instruments. Same "
         "held-out chorales, sources, metrics and bars as the folds: ratios are the model's "
         "distance over the match-EQ baseline's (bars: LSD <= 0.85, envelope <= 0.80); the "
         "classifier column is the share of output chunks the style classifier puts in the chosen "
         "style (bar 0.90); realism is a two-sample classifier's held-out-piece accuracy telling "
         "outputs from true target renders (bar 0.75). Generated by "
         "`training/scripts/outside-bank.sh`.\n",
         *folds.result_header("model (bank)")]
    numbers = {}
    notes = []
    for label, result in results.items():
        numbers[label], row = folds.result_row(label, result)
        L.append(row)
        unheard, left_out = unheard_part(result)
        if left_out:
            numbers[f"{label}, unheard"], row = folds.result_row(f"{label}, unheard samples only", unheard)
            L.append(row)
            notes.append(f"- {label}: leaves out {', '.join(left_out)}.")
    if notes:
        L += ["\n*Unheard samples only*: an evaluation-only bank may play some programs from the same "
              "samples as a bank the model trained on ([model-shared-samples.md](model-shared-samples.md)); "
              "for those it is not new. These rows keep only the styles and sources it shares with none "
              "of the model's training banks; realism is measured over all rows only.\n", *notes]
    L.append("\n## Every style (LSD ratio / envelope ratio / classifier)\n")
    L += folds.style_table(numbers, list(results))
    first = list(results)[:1]
    L += folds.taken_for_table(numbers, first, over=f"{first[0]} evaluations" if first else "")
    L.append("\n## The banks\n")
    for name in {r["soundfont"] for r in results.values()}:
        L.append(f"- `{name}`: {banks.bank(name).origin}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(L) + "\n")
    return numbers


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, action="append", default=None,
                    help="model file (repeatable; default: the bundled model)")
    ap.add_argument("--banks", default=",".join(evaluation_only_banks()))
    ap.add_argument("--pieces", type=int, default=3)
    ap.add_argument("--engine", choices=["rust", "python"], default="rust")
    ap.add_argument("--cache", type=Path, default=REPO / "training/runs/outside-bank")
    ap.add_argument("--report", type=Path, default=REPO / "docs/model-outside-bank.md")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    models = args.model or [REPO / "assets/models/chameleon-styles.onnx"]
    results = {}
    names = args.banks.split(",")
    for model in models:
        for bank in names:
            if not banks.bank(bank).eval_only:
                raise SystemExit(f"{bank} is a training bank: its numbers are the folds' (eval.folds)")
            label = model.stem if len(names) == 1 else f"{model.stem}, {bank}"
            results[label] = run(model, bank, args.pieces, args.engine, args.cache)
    return folds.publish(args.report, write_report(args.report, results), args.json)


if __name__ == "__main__":
    main()
