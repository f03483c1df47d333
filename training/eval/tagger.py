"""An outside judge: a published music tagger, not trained by this project, listens to the
evaluation's pieces and says which instrument it hears.

The tagger is musicnn (Pons and Serra, 2019; PyPI ``musicnn`` 0.1.0, its weights inside the
package), model ``MTT_musicnn``: 50 MagnaTagATune tags, among them strings, violin, cello,
flute, guitar, choir and choral, piano and synth. It has no tag for trumpet, clarinet or
organ, so those styles are not judged here. It runs in its own environment
(``training/.venv-tagger``, TensorFlow 2.15), made by ``training/scripts/setup-tagger-venv.sh``.

Input: a folder written by ``eval.held_out_renders --match-eq`` (the evaluation's held-out
chorales as played by every source, the true target render of every style, and the model's
and match-EQ's output for every (source, style), with ``manifest.json``). Every piece of every
file is one clip (20 s, cut at the manifest's spans as :mod:`eval.evaluate` cuts them), brought
to one RMS level (-20 dBFS: a tagger hears timbre, not level).

Each clip's tags are averaged over its 3-second patches. The tags are gathered into instrument
groups (:data:`GROUPS`; a group scores its best tag), and a clip is **heard as** the group that
scores highest. An output is heard as its style when that group is the style's; as its source
when it is the source instrument's (a piano or synth lead source; a guitar source re-voiced as
the nylon guitar is not counted). The true target renders show how often the tagger hears the
instrument at all; match-EQ shows what a static EQ of the source gets.

    training/scripts/tagger.sh                   # the bundled model on the outside bank
    training/.venv-tagger/bin/python -m eval.tagger RENDERS_DIR --report docs/model-tagger.md
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import soundfile as sf

#: The tagger's model (musicnn's name for it).
TAGGER_MODEL = "MTT_musicnn"
#: Seconds per patch the tagger hears (musicnn's input length; patches do not overlap).
PATCH_SECONDS = 3.0
#: Seconds of each piece's release kept after its span ends (as :func:`eval.evaluate.split`).
PIECE_TAIL_SECONDS = 0.5
#: RMS level every clip is brought to before tagging, dBFS.
CLIP_RMS_DB = -20.0

#: Instrument groups of the MagnaTagATune tags: group -> tags. A group scores its best tag.
GROUPS: dict[str, tuple[str, ...]] = {
    "strings": ("strings",),
    "violin": ("violin",),
    "cello": ("cello",),
    "flute": ("flute",),
    "guitar": ("guitar",),
    "choir": ("choir", "choral"),
    "voice": ("vocal", "vocals", "voice", "singing", "opera"),
    "piano": ("piano",),
    "harpsichord": ("harpsichord",),
    "harp": ("harp",),
    "sitar": ("sitar",),
    "synth": ("synth",),
    "drums": ("drums",),
}

#: The group that is each judged style; styles missing here have no tag.
STYLE_GROUP = {"strings": "strings", "violin": "violin", "cello": "cello", "flute": "flute",
               "nylon_guitar": "guitar", "choir": "choir"}

#: The groups that count as each judged style's family: the bowed strings for one another (the
#: tagger's own true targets are often heard as a neighbouring bowed string), a choir heard as
#: singing voices; every other style only as itself.
STYLE_FAMILY = {"strings": ("strings", "violin", "cello"), "violin": ("strings", "violin", "cello"),
                "cello": ("strings", "violin", "cello"), "choir": ("choir", "voice")}


def family(style: str) -> tuple[str, ...]:
    """The groups that count as ``style``'s family."""
    return STYLE_FAMILY.get(style, (STYLE_GROUP[style],))


#: The group of a source instrument, by words of its name (first match).
SOURCE_GROUP_WORDS = (("piano", "piano"), ("saw", "synth"), ("lead", "synth"), ("guitar", "guitar"))


def source_group(name: str) -> str | None:
    """The instrument group a source named ``name`` is heard as when it is heard as itself."""
    lower = name.lower()
    return next((group for word, group in SOURCE_GROUP_WORDS if word in lower), None)


def group_scores(tag_means: dict[str, float]) -> dict[str, float]:
    """Each group's score: the best mean probability among its tags."""
    return {g: max(tag_means[t] for t in tags) for g, tags in GROUPS.items()}


def heard_as(tag_means: dict[str, float]) -> str:
    """The group a clip is heard as: the one scoring highest."""
    scores = group_scores(tag_means)
    return max(scores, key=scores.get)


def shares(heard: list[str]) -> dict[str, float]:
    """How often each group occurs in ``heard``, as shares, most frequent first."""
    return {g: n / len(heard) for g, n in Counter(heard).most_common()}


def manifest_clips(root: Path) -> tuple[list[dict], dict[str, str], dict]:
    """Every clip of a renders folder as ``dict(kind, source, style, piece, wav, start, end)``
    (sample positions), the sources' names by key, and the manifest."""
    m = json.loads((root / "manifest.json").read_text())
    sr = m["sample_rate"]
    cuts = [(piece, int(a * sr), int((b + PIECE_TAIL_SECONDS) * sr)) for piece, (a, b) in zip(m["pieces"], m["spans"])]
    files = [("source", src["key"], None, src["wav"]) for src in m["sources"]]
    files += [("target", None, style, wav) for style, wav in m["targets"].items()]
    for out in m["outputs"]:
        files.append(("model", out["source"], out["style"], out["wav"]))
        if "match_eq" in out:
            files.append(("match_eq", out["source"], out["style"], out["match_eq"]))
    clips = [dict(kind=k, source=src, style=style, piece=piece, wav=wav, start=a, end=b)
             for k, src, style, wav in files for piece, a, b in cuts]
    return clips, {src["key"]: src["name"] for src in m["sources"]}, m


def clip_audio(root: Path, clip: dict) -> tuple[np.ndarray, int]:
    """One clip's samples at :data:`CLIP_RMS_DB`, and the sample rate."""
    with sf.SoundFile(str(root / clip["wav"])) as f:
        f.seek(clip["start"])
        audio = f.read(max(0, min(clip["end"], f.frames) - clip["start"]), dtype="float32")
        rate = f.samplerate
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
    return audio * (10 ** (CLIP_RMS_DB / 20) / rms if rms > 0 else 1.0), rate


def tag_clips(root: Path, clips: list[dict]) -> list[dict[str, float]]:
    """The tagger's tags for every clip (each written to a temporary file for musicnn's own
    loader)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, clip in enumerate(clips):
            audio, rate = clip_audio(root, clip)
            paths.append(Path(tmp) / f"{i}.wav")
            sf.write(str(paths[-1]), audio, rate, subtype="FLOAT")
        return run_tagger(paths)


def run_tagger(paths: list[Path]) -> list[dict[str, float]]:
    """The tagger's mean probability of every tag over each file's patches. Builds the network
    once for all files (musicnn's own ``extractor`` rebuilds it for every file)."""
    import os
    import warnings

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warnings.filterwarnings("ignore", module="musicnn")
    import tensorflow as tf
    from musicnn import configuration as config
    from musicnn import extractor, models
    import librosa

    n_frames = librosa.time_to_frames(PATCH_SECONDS, sr=config.SR, n_fft=config.FFT_SIZE,
                                      hop_length=config.FFT_HOP) + 1
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, n_frames, config.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        logits = models.define_model(x, is_training, TAGGER_MODEL, len(config.MTT_LABELS))[0]
        probabilities = tf.nn.sigmoid(logits)
    sess = tf.compat.v1.Session()
    sess.run(tf.compat.v1.global_variables_initializer())
    tf.compat.v1.train.Saver().restore(sess, str(Path(extractor.__file__).parent / TAGGER_MODEL) + "/")
    out = []
    for path in paths:
        batch, _ = extractor.batch_data(str(path), n_frames, n_frames)
        p = sess.run(probabilities, feed_dict={x: batch, is_training: False})
        out.append({tag: float(v) for tag, v in zip(config.MTT_LABELS, np.mean(p, axis=0))})
    sess.close()
    return out


def summarise(clips: list[dict], source_names: dict[str, str]) -> dict:
    """Per judged style and kind (model, match-EQ, target): the share of clips heard as the
    style, the share heard as the source instrument, and what the clips were heard as. ``clips``
    are manifest entries with their ``tags`` added."""
    styles = [s for s in STYLE_GROUP if any(c["style"] == s for c in clips)]
    out = {}
    for style in styles:
        row = {}
        for kind in ("model", "match_eq", "target"):
            chosen = [c for c in clips if c["kind"] == kind and c["style"] == style]
            if not chosen:
                continue
            heard = [heard_as(c["tags"]) for c in chosen]
            as_source = [source_group(source_names.get(c["source"], "")) if c["source"] else None
                         for c in chosen]
            counted = [(h, g) for h, g in zip(heard, as_source) if g is not None and g != STYLE_GROUP[style]]
            row[kind] = dict(clips=len(chosen),
                             as_style=sum(h == STYLE_GROUP[style] for h in heard) / len(heard),
                             as_family=sum(h in family(style) for h in heard) / len(heard),
                             as_source=(sum(h == g for h, g in counted) / len(counted)) if counted else None,
                             heard_as=shares(heard))
        out[style] = row
    totals = {}
    for kind in ("model", "match_eq", "target"):
        rows = [r[kind] for r in out.values() if kind in r]
        n = sum(r["clips"] for r in rows)
        totals[kind] = {key: sum(r[key] * r["clips"] for r in rows) / n if n else None
                        for key in ("as_style", "as_family")}
        totals[kind]["clips"] = n
        src = [(r["as_source"], r["clips"]) for r in rows if r["as_source"] is not None]
        m = sum(c for _, c in src)
        totals[kind]["as_source"] = sum(v * c for v, c in src) / m if m else None
    sources = [c for c in clips if c["kind"] == "source"]
    source_heard = {}
    for c in sources:
        source_heard.setdefault(source_names.get(c["source"], c["source"]), []).append(heard_as(c["tags"]))
    return dict(styles=out, totals=totals, sources={name: shares(h) for name, h in source_heard.items()})


#: The report's opening.
HEADER = [
    "# What a published tagger hears\n",
    "An outside judge: musicnn's MagnaTagATune tagger (`MTT_musicnn`, PyPI `musicnn` 0.1.0; Pons "
    "and Serra 2019), which this project did not train, listens to the held-out chorales (20 s "
    "each) as the model plays them, as match-EQ plays them and as the true target instrument "
    "plays them. A clip is *heard as* the instrument group whose tag scores highest (strings, "
    "violin, cello, flute, guitar, choir or choral, voice, piano, harpsichord, harp, sitar, "
    "synth, drums), its tags averaged over 3-second patches. The tagger has no trumpet, clarinet "
    "or organ tag, so those styles are not judged. *Heard as the source* counts outputs heard as "
    "the source instrument (piano or synth; a guitar source voiced as the nylon guitar is not "
    "counted). Generated by `training/scripts/tagger.sh` (`eval.tagger`).\n",
]


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}"


def report_lines(summary: dict, info: dict, title: str) -> list[str]:
    """Markdown tables of :func:`summarise`'s numbers."""
    t = summary["totals"]
    L = [f"## {title}\n",
         f"Model `{Path(info['model']).name}` on bank `{info['bank']}` ({info.get('latency_mode', 'studio')}), "
         f"sources: {', '.join(info['sources'].values())}.\n",
         "| style | heard as the style: model | match-EQ | true target | as its family: model | true target "
         "| heard as the source: model | match-EQ | model heard as (shares) |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for style, row in summary["styles"].items():
        heard = ", ".join(f"{g} {v:.2f}" for g, v in list(row["model"]["heard_as"].items())[:4])
        m, e, tg = row["model"], row["match_eq"], row["target"]
        L.append(f"| {style} | {_pct(m['as_style'])} | {_pct(e['as_style'])} | {_pct(tg['as_style'])} | "
                 f"{_pct(m['as_family'])} | {_pct(tg['as_family'])} | {_pct(m['as_source'])} | "
                 f"{_pct(e['as_source'])} | {heard} |")
    m, e, tg = t["model"], t["match_eq"], t["target"]
    L.append(f"| **all judged styles** | **{_pct(m['as_style'])}** | {_pct(e['as_style'])} | {_pct(tg['as_style'])} | "
             f"**{_pct(m['as_family'])}** | {_pct(tg['as_family'])} | **{_pct(m['as_source'])}** | "
             f"{_pct(e['as_source'])} | |")
    L.append("\nThe sources themselves, heard as: " + "; ".join(
        f"{name}: " + ", ".join(f"{g} {v:.2f}" for g, v in list(h.items())[:3])
        for name, h in summary["sources"].items()) + ".\n")
    return L


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("renders", type=Path, nargs="+", help="folders written by eval.held_out_renders --match-eq")
    ap.add_argument("--label", action="append", default=None, help="a title per directory (repeatable)")
    ap.add_argument("--report", type=Path, default=None, help="write the markdown tables here")
    ap.add_argument("--json", type=Path, default=None, help="write every number here")
    args = ap.parse_args(argv)
    labels = args.label or [str(d) for d in args.renders]
    result, lines = {}, []
    for label, root in zip(labels, args.renders):
        clips, names, manifest = manifest_clips(root)
        cache = root / "tags.json"
        fresh = cache.exists() and cache.stat().st_mtime > (root / "manifest.json").stat().st_mtime
        if fresh and json.loads(cache.read_text()).get("clips") == clips:
            tags = json.loads(cache.read_text())["tags"]
        else:
            tags = tag_clips(root, clips)
            cache.write_text(json.dumps(dict(clips=clips, tags=tags)))
        clips = [dict(c, tags=t) for c, t in zip(clips, tags)]
        summary = summarise(clips, names)
        result[label] = dict(summary, model=manifest["model"], bank=manifest["bank"])
        lines += report_lines(summary, dict(manifest, sources=names), label)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text("\n".join(HEADER + lines))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print("\n".join(lines))
    return result


if __name__ == "__main__":
    main()
