//! Fault injection for the shipped plugin: wraps the opened model in the fault plan of the
//! `CHAMELEON_FAULTS` environment variable, so stalls, errors, NaN output and panics can be
//! tested in real hosts (see [`chameleon_dsp::model::fault`] for the plan syntax).
//!
//! Without the variable the model is returned untouched. An invalid plan is not applied; the
//! parse error is added to the engine's reason so the editor and the log show it.

use chameleon_dsp::model::{FaultPlan, FaultyModel};

use crate::model_source::OpenedModel;

/// Wraps `opened` in the plan from `CHAMELEON_FAULTS`, if one is set. Call off the audio thread.
pub fn wrap(mut opened: OpenedModel) -> OpenedModel {
    match FaultPlan::from_env() {
        None => opened,
        Some(Ok(plan)) if plan.faults.is_empty() => opened,
        Some(Ok(plan)) => {
            opened.model = Box::new(FaultyModel::new(opened.model, plan));
            opened
        }
        Some(Err(e)) => {
            let note = format!("CHAMELEON_FAULTS is not a valid fault plan and was ignored: {e}");
            opened.reason = Some(match opened.reason.take() {
                Some(reason) => format!("{reason} ({note})"),
                None => note,
            });
            opened
        }
    }
}
