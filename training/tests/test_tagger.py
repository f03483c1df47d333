"""The outside judge's bookkeeping (eval.tagger), without the tagger itself (which runs in its
own TensorFlow venv): which group a clip is heard as, which sources count, how pieces are cut
out of a renders folder, and the shares it reports."""

import json

import numpy as np
import soundfile as sf

from eval import tagger

TAGS = {t for tags in tagger.GROUPS.values() for t in tags} | {"classical", "slow"}


def tags(**high: float) -> dict[str, float]:
    """Every tag at 0.01 but those given (a tag with a space is given with an underscore)."""
    out = {t: 0.01 for t in TAGS}
    out.update({k.replace("_", " "): v for k, v in high.items()})
    return out


def test_a_clip_is_heard_as_its_best_scoring_group_and_choral_counts_as_choir():
    assert tagger.heard_as(tags(piano=0.6, choir=0.3)) == "piano"
    assert tagger.heard_as(tags(piano=0.4, choral=0.5, classical=0.9)) == "choir"
    assert tagger.heard_as(tags(vocal=0.7, choir=0.2)) == "voice"


def test_the_bowed_strings_count_for_one_another_as_a_family():
    clips = [clip("model", "b:0", "cello", violin=0.8), clip("model", "b:0", "cello", cello=0.8),
             clip("model", "b:0", "cello", piano=0.8), clip("model", "b:0", "flute", violin=0.8)]
    s = tagger.summarise(clips, {"b:0": "Piano"})
    assert s["styles"]["cello"]["model"]["as_style"] == 1 / 3
    assert s["styles"]["cello"]["model"]["as_family"] == 2 / 3
    assert s["styles"]["flute"]["model"]["as_family"] == 0.0
    assert s["totals"]["model"]["as_family"] == 2 / 4


def test_source_groups_follow_the_source_names():
    assert tagger.source_group("Acoustic Grand Piano (merlin)") == "piano"
    assert tagger.source_group("Salamander Grand Piano V3 (recorded)") == "piano"
    assert tagger.source_group("Saw Lead (merlin)") == "synth"
    assert tagger.source_group("Steel Guitar (merlin)") == "guitar"
    assert tagger.source_group("Bird Tweet") is None


def clip(kind, source, style, **high):
    return dict(kind=kind, source=source, style=style, piece="p", tags=tags(**high))


def test_summary_counts_style_and_source_and_leaves_out_a_guitar_voiced_as_guitar():
    names = {"b:0": "Acoustic Grand Piano (b)", "b:25": "Steel Guitar (b)"}
    clips = [
        clip("model", "b:0", "choir", choir=0.8),
        clip("model", "b:0", "choir", piano=0.8),
        clip("model", "b:25", "choir", guitar=0.8),
        clip("match_eq", "b:0", "choir", piano=0.9),
        clip("target", None, "choir", choir=0.9),
        clip("model", "b:25", "nylon_guitar", guitar=0.9),
        clip("match_eq", "b:25", "nylon_guitar", guitar=0.9),
        clip("target", None, "nylon_guitar", guitar=0.9),
        clip("model", "b:0", "trumpet", piano=0.9),  # not judged: no tag
        clip("source", "b:0", None, piano=0.9),
    ]
    s = tagger.summarise(clips, names)
    assert list(s["styles"]) == ["nylon_guitar", "choir"]
    choir = s["styles"]["choir"]
    assert choir["model"]["as_style"] == 1 / 3
    assert s["styles"]["choir"]["target"]["as_family"] == 1.0
    assert choir["model"]["as_source"] == 2 / 3
    assert choir["match_eq"]["as_source"] == 1.0
    assert choir["target"]["as_style"] == 1.0 and choir["target"]["as_source"] is None
    assert s["styles"]["nylon_guitar"]["model"]["as_source"] is None
    assert s["totals"]["model"]["as_style"] == 2 / 4
    assert s["totals"]["model"]["as_source"] == 2 / 3
    assert s["sources"] == {"Acoustic Grand Piano (b)": {"piano": 1.0}}


def test_pieces_are_cut_at_the_spans_with_their_tail_and_brought_to_one_level(tmp_path):
    sr = 1000
    audio = np.zeros(10 * sr, dtype=np.float32)
    audio[1000:3000] = 0.5
    audio[6000:8000] = 0.05
    sf.write(str(tmp_path / "s.wav"), audio, sr, subtype="FLOAT")
    sf.write(str(tmp_path / "t.wav"), audio, sr, subtype="FLOAT")
    sf.write(str(tmp_path / "m.wav"), audio, sr, subtype="FLOAT")
    manifest = dict(sample_rate=sr, pieces=["a", "b"], spans=[[1.0, 2.5], [6.0, 7.5]],
                    sources=[dict(key="x:0", name="Piano", wav="s.wav")], targets={"flute": "t.wav"},
                    outputs=[dict(source="x:0", style="flute", wav="m.wav", match_eq="m.wav")])
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    clips, names, _ = tagger.manifest_clips(tmp_path)
    assert names == {"x:0": "Piano"}
    assert [(c["kind"], c["piece"]) for c in clips] == [
        ("source", "a"), ("source", "b"), ("target", "a"), ("target", "b"),
        ("model", "a"), ("model", "b"), ("match_eq", "a"), ("match_eq", "b")]
    assert (clips[1]["start"], clips[1]["end"]) == (6000, 8000)
    for c in clips[:2]:
        a, rate = tagger.clip_audio(tmp_path, c)
        assert rate == sr and len(a) == 2000
        rms_db = 10 * np.log10(np.mean(np.square(a.astype(np.float64))))
        assert abs(rms_db - tagger.CLIP_RMS_DB) < 0.01
