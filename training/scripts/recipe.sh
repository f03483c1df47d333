# The shipped recipe: the train arguments of the bundled model (train.sh) and of its
# leave-one-bank-out evaluation (folds.sh), kept in one place so that the two cannot drift.
# One note stream for every bank, every paired target from another bank playing the same
# notes, a paired total-power term, and steady tones (docs/model-report.md, "Cross-bank
# targets", "A level term for music", "Steady tones").
# shellcheck disable=SC2034  # read by the scripts that source this file
RECIPE=(--shared-music --cross-bank 1.0 --level-weight 0.3 --tone-fraction 0.05 --tone-weight 0.1)
