"""Notes kept: transcribes audio with a published polyphonic transcriber and scores how many of
the input's notes the output still has (note F1).

    training/scripts/notes-kept.sh             # all of the below, for the bundled model

    training/scripts/setup-eval-venv.sh        # training/.venv-eval: basic-pitch on onnxruntime
    PYTHONPATH=training training/.venv/bin/python -m eval.held_out_renders --out training/runs/renders
    PYTHONPATH=training training/.venv-eval/bin/python -m eval.transcription \
        --renders training/runs/renders --json training/runs/notes-kept.json

The transcriber is Spotify's Basic Pitch (``basic-pitch`` 0.4.0 on PyPI, ICASSP 2022), run from
the ONNX model its package ships through onnxruntime, with its default thresholds. It runs in
its own venv (training/.venv-eval), on the WAV files and ``manifest.json`` that
:mod:`eval.held_out_renders` writes with the pinned training venv.

Note F1 follows ``mir_eval.transcription``: a note matches when its onset is within 50 ms and
its pitch within 50 cents of a reference note (and, for the "with offsets" score, its offset
within 20 % of the reference note's duration or 50 ms, whichever is more), one to one
(maximum bipartite matching). :func:`note_f1` implements that rule with scipy alone, so it also
runs in the pinned venv; where ``mir_eval`` is installed every score is checked against it.

Scores per (source, style): the transcription of the model output against that of its input,
and, as the reference, the transcription of the true target render against the same input.
Against the score (the MIDI notes played) the transcriber's own accuracy on each render is
reported too.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Onset tolerance of a matching note (s), mir_eval's default.
ONSET_TOLERANCE_S = 0.05
#: Pitch tolerance of a matching note (cents), mir_eval's default.
PITCH_TOLERANCE_CENTS = 50.0
#: Offset tolerance as a fraction of the reference note's duration, mir_eval's default.
OFFSET_RATIO = 0.2
#: Smallest offset tolerance (s), mir_eval's default.
OFFSET_MIN_TOLERANCE_S = 0.05
#: Decimals distances are rounded to before comparing, as mir_eval does.
ROUND_DECIMALS = 4
#: The bar of the style-model issue for output-against-input onset F1.
NOTES_KEPT_BAR = 0.70
#: Folder (inside the renders folder) caching each WAV's transcription.
NOTES_DIR = "notes"


@dataclass(frozen=True)
class Notes:
    """A note list: ``intervals`` ``[n, 2]`` onset and offset (s), ``pitches`` ``[n]`` MIDI
    pitch (semitones, fractional allowed)."""

    intervals: np.ndarray
    pitches: np.ndarray

    @staticmethod
    def from_rows(rows) -> "Notes":
        """From ``[onset s, offset s, MIDI pitch]`` rows."""
        a = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
        return Notes(a[:, :2].copy(), a[:, 2].copy())

    def rows(self) -> list[list[float]]:
        """As ``[onset s, offset s, MIDI pitch]`` rows."""
        return [[float(on), float(off), float(p)] for (on, off), p in zip(self.intervals, self.pitches)]

    def __len__(self) -> int:
        return len(self.pitches)


def hit_matrix(reference: Notes, estimate: Notes, with_offsets: bool) -> np.ndarray:
    """``[n_ref, n_est]`` booleans: which estimated notes may match which reference notes
    (onset within 50 ms, pitch within 50 cents, optionally offset within tolerance)."""
    onset_s = np.abs(np.subtract.outer(reference.intervals[:, 0], estimate.intervals[:, 0]))
    cents = 100.0 * np.abs(np.subtract.outer(reference.pitches, estimate.pitches))
    hits = (np.round(onset_s, ROUND_DECIMALS) <= ONSET_TOLERANCE_S) & \
           (np.round(cents, ROUND_DECIMALS) <= PITCH_TOLERANCE_CENTS)
    if with_offsets:
        offset_s = np.abs(np.subtract.outer(reference.intervals[:, 1], estimate.intervals[:, 1]))
        durations_s = reference.intervals[:, 1] - reference.intervals[:, 0]
        tolerance_s = np.maximum(OFFSET_RATIO * durations_s, OFFSET_MIN_TOLERANCE_S)
        hits &= np.round(offset_s, ROUND_DECIMALS) <= tolerance_s[:, None]
    return hits


def matched_count(reference: Notes, estimate: Notes, with_offsets: bool = False) -> int:
    """How many notes match one to one (the size of a maximum bipartite matching)."""
    if len(reference) == 0 or len(estimate) == 0:
        return 0
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    matching = maximum_bipartite_matching(csr_matrix(hit_matrix(reference, estimate, with_offsets)),
                                          perm_type="column")
    return int(np.sum(matching >= 0))


def note_f1(reference: Notes, estimate: Notes, with_offsets: bool = False) -> float:
    """Note F1 (0..1) of ``estimate`` against ``reference``; 0 when either is empty."""
    matched = matched_count(reference, estimate, with_offsets)
    if matched == 0:
        return 0.0
    precision, recall = matched / len(estimate), matched / len(reference)
    return 2 * precision * recall / (precision + recall)


def midi_to_hz(pitches: np.ndarray) -> np.ndarray:
    """MIDI pitches (semitones) as frequencies (Hz), A4 = 69 = 440 Hz."""
    return 440.0 * 2.0 ** ((pitches - 69.0) / 12.0)


def mir_eval_f1(reference: Notes, estimate: Notes, with_offsets: bool = False) -> float:
    """The same F1 from ``mir_eval.transcription.precision_recall_f1_overlap``."""
    import mir_eval

    if len(reference) == 0 or len(estimate) == 0:
        return 0.0
    _, _, f1, _ = mir_eval.transcription.precision_recall_f1_overlap(
        reference.intervals, midi_to_hz(reference.pitches), estimate.intervals, midi_to_hz(estimate.pitches),
        onset_tolerance=ONSET_TOLERANCE_S, pitch_tolerance=PITCH_TOLERANCE_CENTS,
        offset_ratio=OFFSET_RATIO if with_offsets else None, offset_min_tolerance=OFFSET_MIN_TOLERANCE_S)
    return float(f1)


def checked_f1(reference: Notes, estimate: Notes, with_offsets: bool = False) -> float:
    """:func:`note_f1`, checked against mir_eval where it is installed."""
    f1 = note_f1(reference, estimate, with_offsets)
    try:
        import mir_eval  # noqa: F401
    except ImportError:
        return f1
    reference_f1 = mir_eval_f1(reference, estimate, with_offsets)
    if abs(f1 - reference_f1) > 1e-9:
        raise AssertionError(f"note_f1 {f1} differs from mir_eval's {reference_f1}")
    return f1


class Transcriber:
    """Basic Pitch's bundled ONNX model on onnxruntime, one CPU thread."""

    def __init__(self, threads: int = 1):
        import onnxruntime as ort
        from basic_pitch import FilenameSuffix, build_icassp_2022_model_path
        from basic_pitch.inference import Model

        path = build_icassp_2022_model_path(FilenameSuffix.onnx)
        self.model = Model(path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.model.model = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def transcribe(self, wav: Path) -> Notes:
        """The notes Basic Pitch hears in an audio file (its default thresholds)."""
        from basic_pitch.inference import predict

        _, _, events = predict(str(wav), self.model)
        rows = sorted([start, end, pitch] for start, end, pitch, _, _ in events)
        return Notes.from_rows(rows)


def cached_transcription(transcriber: Transcriber, wav: Path) -> Notes:
    """:meth:`Transcriber.transcribe`, cached as JSON in ``notes/`` beside the WAV (redone
    when the WAV is newer)."""
    cache = wav.parent / NOTES_DIR / f"{wav.stem}.json"
    if cache.exists() and cache.stat().st_mtime >= wav.stat().st_mtime:
        return Notes.from_rows(json.loads(cache.read_text()))
    notes = transcriber.transcribe(wav)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(notes.rows()))
    return notes


def pair_scores(reference: Notes, estimate: Notes, prefix: str) -> dict[str, float]:
    """Onset F1 and with-offsets F1 of one pair, keyed ``PREFIX`` and ``PREFIX_offsets``."""
    return {prefix: checked_f1(reference, estimate), f"{prefix}_offsets": checked_f1(reference, estimate, True)}


def score_renders(renders: Path, transcriber: Transcriber) -> dict:
    """Transcribes every render of a :mod:`eval.held_out_renders` folder; one row per
    (source, style) with output-vs-input, target-vs-input and every render against the score."""
    manifest = json.loads((renders / "manifest.json").read_text())
    score = Notes.from_rows(manifest["score"])

    def heard(name: str) -> Notes:
        return cached_transcription(transcriber, renders / name)

    sources = {s["key"]: heard(s["wav"]) for s in manifest["sources"]}
    targets = {style: heard(wav) for style, wav in manifest["targets"].items()}
    rows = []
    for out in manifest["outputs"]:
        source, style = sources[out["source"]], targets[out["style"]]
        output = heard(out["wav"])
        row = dict(source=out["source"], style=out["style"], notes_input=len(source), notes_output=len(output),
                   notes_target=len(style), notes_score=len(score))
        row |= pair_scores(source, output, "output_vs_input") | pair_scores(source, style, "target_vs_input")
        for kind, notes in (("input", source), ("output", output), ("target", style)):
            row[f"{kind}_vs_score"] = checked_f1(score, notes)
        rows.append(row)
        print(f"{out['source']:13s} {out['style']:13s} output/input {row['output_vs_input']:.3f}  "
              f"target/input {row['target_vs_input']:.3f}", flush=True)
    source_names = {s["key"]: s["name"] for s in manifest["sources"]}
    return dict(model=manifest["model"], bank=manifest["bank"], engine=manifest["engine"],
                pieces=manifest["pieces"], sources=source_names, transcriber=transcriber_name(), rows=rows)


def transcriber_name() -> str:
    """The transcriber and its version."""
    from importlib.metadata import version

    return f"basic-pitch {version('basic-pitch')} (ONNX model, onnxruntime {version('onnxruntime')})"


MEASURES = ("output_vs_input", "target_vs_input", "output_vs_input_offsets", "target_vs_input_offsets",
            "input_vs_score", "output_vs_score", "target_vs_score")


def mean_by(rows: list[dict], key: str) -> dict[str, dict[str, float]]:
    """Every measure's mean over the rows sharing ``rows[i][key]``, in first-seen order."""
    groups = dict.fromkeys(r[key] for r in rows)
    return {g: {m: float(np.mean([r[m] for r in rows if r[key] == g])) for m in MEASURES} for g in groups}


def summarise(result: dict) -> dict:
    """Per-style and per-source means, the mean over styles and the bar check."""
    per_style = mean_by(result["rows"], "style")
    per_source = mean_by(result["rows"], "source")
    mean = {m: float(np.mean([v[m] for v in per_style.values()])) for m in MEASURES}
    below = [s for s, v in per_style.items() if v["output_vs_input"] < NOTES_KEPT_BAR]
    return dict(per_style=per_style, per_source=per_source, mean=mean, below_bar=below,
                bar_met=mean["output_vs_input"] >= NOTES_KEPT_BAR and not below)


def markdown_table(first_column: str, groups: dict[str, dict[str, float]], names: dict[str, str] | None = None) -> list[str]:
    """One markdown row per group: onset F1 output and target vs input, the same with
    offsets, and each render against the score."""
    lines = [f"| {first_column} | output vs input | target vs input | output vs input, offsets | "
             "target vs input, offsets | input vs score | output vs score | target vs score |",
             "| --- |" + " ---: |" * 7]
    for group, v in groups.items():
        cells = " | ".join(f"{v[m]:.3f}" for m in MEASURES)
        lines.append(f"| {(names or {}).get(group, group)} | {cells} |")
    return lines


def markdown(result: dict, summary: dict) -> str:
    """The per-style table (with the mean) and the per-source table."""
    per_style = dict(summary["per_style"], **{"**mean**": summary["mean"]})
    lines = markdown_table("style", per_style) + [""] + markdown_table("source", summary["per_source"], result["sources"])
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--renders", type=Path, required=True, help="a folder written by eval.held_out_renders")
    ap.add_argument("--json", type=Path, default=None, help="write the rows and means here")
    ap.add_argument("--markdown", type=Path, default=None, help="write the tables here")
    ap.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    args = ap.parse_args(argv)
    result = score_renders(args.renders, Transcriber(args.threads))
    result["summary"] = summarise(result)
    text = markdown(result, result["summary"])
    print(text)
    print(f"mean output-vs-input onset F1 {result['summary']['mean']['output_vs_input']:.3f} "
          f"(bar {NOTES_KEPT_BAR}); styles below the bar: {result['summary']['below_bar']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    if args.markdown:
        args.markdown.write_text(text)
    return result


if __name__ == "__main__":
    main()
