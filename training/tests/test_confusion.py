"""What the style classifier took each style for: the evaluation's per-row counts, their shares
per style (``eval.evaluate.summarise``) and the folds report's table (``eval.folds``)."""

from eval import evaluate, folds

from chameleon_training.styles import STYLES

CHOSEN = [s for s in STYLES if s.ident in ("strings", "violin", "cello")]


def row(style: str, counts: list[int]) -> dict:
    """One evaluation row with the numbers ``summarise`` averages, and the chunk counts."""
    numbers = {f"{m}_{k}": 1.0 for m in ("lsd", "env", "clf", "chroma")
               for k in ("identity", "match_eq", "model")}
    return dict(source=0, style=style, piece="p", clf_target=1.0, **numbers,
                clf_model_counts=counts)


def result() -> dict:
    # strings: 2 + 1 chunks as strings, 6 + 1 as violin, 0 as cello, over two rows.
    return dict(styles=[s.ident for s in CHOSEN], realism={}, soundfont="bank", sources=["piano"],
                rows=[row("strings", [2, 6, 0]), row("strings", [1, 1, 0]),
                      row("violin", [0, 4, 0]), row("cello", [1, 0, 3])])


def test_shares_sum_each_styles_counts_over_its_rows():
    taken = evaluate.summarise(result(), CHOSEN)["taken_for"]
    assert taken["strings"] == {"strings": 0.3, "violin": 0.7}
    assert taken["violin"] == {"violin": 1.0}
    assert taken["cello"] == {"strings": 0.25, "cello": 0.75}


def test_counts_stay_out_of_the_per_style_means():
    per_style = evaluate.summarise(result(), CHOSEN)["per_style"]
    assert not any(k.endswith("_counts") for k in per_style["strings"])


def test_the_folds_table_averages_folds_and_ranks_what_was_heard(tmp_path):
    first = result()
    second = result()
    # The second fold hears strings as strings only.
    second["rows"][0]["clf_model_counts"] = [8, 0, 0]
    second["rows"][1]["clf_model_counts"] = [2, 0, 0]
    path = tmp_path / "folds.md"
    folds.write_report(path, {"a": first, "b": second})
    text = path.read_text()
    assert "## What the style classifier took each style for" in text
    line = next(ln for ln in text.splitlines() if ln.startswith("| strings | 2 |"))
    # (0.3 + 1.0) / 2 as strings, 0.7 / 2 as violin: strings first.
    assert line == "| strings | 2 | strings 0.65, violin 0.35 |"


def test_the_outside_bank_report_has_a_row_per_model_and_ranks_the_first(tmp_path, monkeypatch):
    from eval import outside_bank

    monkeypatch.setattr(outside_bank, "shared_with_training", lambda bank, programs, train: [])
    bundled = result()
    earlier = result()
    bundled["soundfont"] = earlier["soundfont"] = "merlin"
    earlier["rows"][0]["lsd_model"] = 3.0
    path = tmp_path / "outside.md"
    numbers = outside_bank.write_report(path, {"bundled": bundled, "earlier": earlier})
    text = path.read_text()
    assert "| bundled (merlin) |" in text and "| earlier (merlin) |" in text
    assert numbers["earlier"]["lsd_ratio"] > numbers["bundled"]["lsd_ratio"]
    # What the classifier heard is the first model's alone (strings 0.3 / violin 0.7).
    line = next(ln for ln in text.splitlines() if ln.startswith("| strings | 1 |"))
    assert line == "| strings | 1 | violin 0.70, strings 0.30 |"
    assert "evaluation only" in text
    assert outside_bank.evaluation_only_banks() == ["merlin"]


def test_the_outside_bank_report_gives_unheard_samples_their_own_row(tmp_path, monkeypatch):
    from eval import outside_bank

    # The bank plays its cello (GM 42) from a training bank's samples.
    monkeypatch.setattr(outside_bank, "shared_with_training",
                        lambda bank, programs, train: [p for p in programs if p == 42])
    bundled = dict(result(), soundfont="merlin", realism={"model": 0.9, "match_eq": 0.95})
    bundled["rows"][0]["lsd_model"] = 3.0  # a strings row: kept in both
    bundled["rows"][3]["lsd_model"] = 9.0  # the cello row: only in the full row
    numbers = outside_bank.write_report(tmp_path / "outside.md", {"bundled": bundled})
    text = (tmp_path / "outside.md").read_text()
    assert "| bundled, unheard samples only (merlin) |" in text
    assert "- bundled: leaves out style cello." in text
    assert set(numbers["bundled, unheard"]["per_style"]) == {"strings", "violin"}
    assert numbers["bundled, unheard"]["lsd_ratio"] < numbers["bundled"]["lsd_ratio"]
    # Realism is measured over all rows, so the unheard row leaves it out.
    line = next(ln for ln in text.splitlines() if ln.startswith("| bundled, unheard"))
    assert "| - |" in line and "0.90 / 0.95" not in line
