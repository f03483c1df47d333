"""The shipped recipe (training/scripts/recipe.sh): its arguments parse as train arguments, they
switch on what the recipe is made of, and the model card describes each of them from a
checkpoint's saved arguments (``eval.report.recipe_text``)."""

import subprocess
from pathlib import Path

from eval.report import recipe_text

from chameleon_training import train

RECIPE = Path(__file__).resolve().parents[1] / "scripts" / "recipe.sh"


def recipe_arguments() -> list[str]:
    out = subprocess.run(["bash", "-c", f'source "{RECIPE}"; printf "%s\\n" "${{RECIPE[@]}}"'],
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def saved(argv: list[str]) -> dict:
    """The train arguments as a checkpoint keeps them."""
    return train.saved_arguments(train.parse_args(["--out", "unused", *argv]))


def test_the_shipped_recipe_parses_and_switches_its_options_on():
    args = train.parse_args(["--out", "unused", *recipe_arguments()])
    assert args.shared_music
    assert args.cross_bank > 0 and args.level_weight > 0 and args.tone_fraction > 0


def test_the_model_card_names_every_option_of_the_recipe_and_none_of_the_defaults():
    text = recipe_text(saved(recipe_arguments()))
    for flag in ("--shared-music", "--cross-bank", "--level-weight", "--tone-fraction"):
        assert flag in text, flag
    assert recipe_text(saved([])) == ""
    assert "--cross-bank" not in recipe_text(saved(["--shared-music"]))
