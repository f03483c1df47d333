//! A preset loaded from the editor, as a producer does it: a click on the preset bar's Next
//! button (XTEST) must reach the host as one group edit of the changed parameters
//! (`startGroupEdit`, `beginEdit`/`performEdit`/`endEdit` per parameter, `finishGroupEdit`),
//! so a host records the load as one undoable change, and as `setDirty(true)`, so an unsaved
//! project is marked as modified. All of it on the host's main thread.

use chameleon_host_check::report::Report;
use chameleon_vst3_host::host::HandlerCall;

use crate::rig::Rig;

/// Where the preset bar's Next (`>`) button is at content scale 1, in pixels from the
/// editor's top-left corner (the editor lays the preset bar out at a fixed place in its top
/// row; a layout change that moves it makes the check below fail with no load seen).
pub(crate) const NEXT_PRESET_BUTTON: (i16, i16) = (333, 68);

/// Clicks Next on the open editor and checks what reached the host.
pub(crate) fn check_preset_click(report: &mut Report, rig: &mut Rig) {
    let before = rig.instance.handler.calls().len();
    let (x, y) = NEXT_PRESET_BUTTON;
    if let Err(e) = rig.click(x, y) {
        report.check(false, format!("click the preset bar's Next button: {e}"));
        return;
    }
    let calls: Vec<HandlerCall> = rig.instance.handler.calls().split_off(before);
    println!("note: handler calls after the preset click: {calls:?}");
    let dirty = calls
        .iter()
        .filter(|c| **c == HandlerCall::SetDirty(true))
        .count();
    report.check(
        dirty >= 1,
        format!("a preset loaded from the editor calls setDirty(true) ({dirty} times)"),
    );
    let shown: Vec<String> = calls
        .iter()
        .filter_map(|c| match c {
            HandlerCall::PerformEdit(id, value) => Some((*id, *value)),
            _ => None,
        })
        .filter(|(id, value)| (rig.instance.param(*id) - value).abs() > 1e-6)
        .map(|(id, value)| format!("{id}: edit {value}, controller {}", rig.instance.param(id)))
        .collect();
    report.check(
        shown.is_empty(),
        format!("the controller shows each edited value ({shown:?} differ)"),
    );
    let group = group_edit(&calls);
    report.check(
        matches!(group, Ok(n) if n > 0),
        format!(
            "the preset's changed parameters reach the host as one group edit \
             (startGroupEdit, begin/perform/end per parameter, finishGroupEdit): {group:?}"
        ),
    );
}

/// The number of parameters in the one group edit among `calls`, each edited as
/// `beginEdit`, `performEdit`, `endEdit` of the same parameter; an error says what differs.
fn group_edit(calls: &[HandlerCall]) -> Result<usize, String> {
    let starts: Vec<usize> = positions(calls, &HandlerCall::StartGroupEdit);
    let finishes: Vec<usize> = positions(calls, &HandlerCall::FinishGroupEdit);
    let ([start], [finish]) = (starts.as_slice(), finishes.as_slice()) else {
        return Err(format!(
            "{} startGroupEdit and {} finishGroupEdit",
            starts.len(),
            finishes.len()
        ));
    };
    if finish < start {
        return Err("finishGroupEdit before startGroupEdit".into());
    }
    let inside = &calls[start + 1..*finish];
    if inside.is_empty() || !inside.len().is_multiple_of(3) {
        return Err(format!("{} calls inside the group", inside.len()));
    }
    for edit in inside.chunks(3) {
        match edit {
            [HandlerCall::BeginEdit(a), HandlerCall::PerformEdit(b, _), HandlerCall::EndEdit(c)]
                if a == b && b == c => {}
            other => return Err(format!("not one parameter's edit: {other:?}")),
        }
    }
    Ok(inside.len() / 3)
}

fn positions(calls: &[HandlerCall], wanted: &HandlerCall) -> Vec<usize> {
    calls
        .iter()
        .enumerate()
        .filter(|(_, c)| *c == wanted)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_edit_is_recognised_and_broken_ones_are_not() {
        use HandlerCall::*;
        let good = [
            SetDirty(true),
            StartGroupEdit,
            BeginEdit(1),
            PerformEdit(1, 0.5),
            EndEdit(1),
            BeginEdit(2),
            PerformEdit(2, 0.1),
            EndEdit(2),
            FinishGroupEdit,
        ];
        assert_eq!(group_edit(&good), Ok(2));
        assert!(group_edit(&good[..8]).is_err());
        let mixed = [
            StartGroupEdit,
            BeginEdit(1),
            PerformEdit(2, 0.5),
            EndEdit(1),
            FinishGroupEdit,
        ];
        assert!(group_edit(&mixed).is_err());
        assert!(group_edit(&[StartGroupEdit, FinishGroupEdit]).is_err());
    }
}
