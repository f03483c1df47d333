//! Checks a session's input and output tensors against the model-format v1 contract.

use ort::session::Session;
use ort::value::{TensorElementType, ValueType};

use crate::model::metadata::ModelMetadata;

/// Input names of format v1.
pub const INPUT_FEATURES: &str = "features";
/// Style weights input.
pub const INPUT_STYLE: &str = "style";
/// Recurrent state input.
pub const INPUT_STATE: &str = "state_in";
/// Recurrent state output.
pub const OUTPUT_STATE: &str = "state_out";

/// What the session's tensors turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IoLayout {
    /// The batch size the model is fixed to, or `None` if the batch axis is dynamic.
    pub fixed_batch: Option<usize>,
}

/// One expected tensor: name and the size of each axis after the batch axis.
struct Expect<'a> {
    name: &'a str,
    dims: Vec<(usize, &'a str)>,
}

/// Checks `shape` (with `-1` for dynamic axes) and returns the fixed batch size, if any.
fn check_tensor(
    kind: &str,
    expect: &Expect<'_>,
    dtype: &ValueType,
    problems: &mut Vec<String>,
) -> Option<usize> {
    let ValueType::Tensor { ty, shape, .. } = dtype else {
        problems.push(format!("{kind} `{}` must be a tensor", expect.name));
        return None;
    };
    if *ty != TensorElementType::Float32 {
        problems.push(format!("{kind} `{}` is {ty:?}, not float32", expect.name));
    }
    let rank = 1 + expect.dims.len();
    if shape.len() != rank {
        problems.push(format!(
            "{kind} `{}` has {} axes, expected {rank} ({})",
            expect.name,
            shape.len(),
            shape_words(expect)
        ));
        return None;
    }
    for (axis, ((want, what), &have)) in expect.dims.iter().zip(&shape[1..]).enumerate() {
        if have >= 0 && have as usize != *want {
            problems.push(format!(
                "{kind} `{}` axis {} is {have}, but the metadata implies {want} ({what})",
                expect.name,
                axis + 1,
            ));
        }
    }
    (shape[0] > 0).then_some(shape[0] as usize)
}

fn shape_words(expect: &Expect<'_>) -> String {
    let mut parts = vec!["batch".to_owned()];
    parts.extend(expect.dims.iter().map(|(n, what)| format!("{what} = {n}")));
    format!("[{}]", parts.join(", "))
}

/// Checks every input and output of `session` against `meta`; returns all problems found.
pub fn check_io(session: &Session, meta: &ModelMetadata) -> Result<IoLayout, Vec<String>> {
    let bins = meta.bins();
    let styles = meta.styles.len();
    let mut inputs = vec![
        Expect {
            name: INPUT_FEATURES,
            dims: vec![(meta.context_frames, "context frames"), (bins, "bins")],
        },
        Expect {
            name: INPUT_STYLE,
            dims: vec![(styles, "styles")],
        },
    ];
    let mut outputs: Vec<Expect<'_>> = meta
        .output
        .tensor_names()
        .iter()
        .map(|&name| Expect {
            name,
            dims: vec![(bins, "bins")],
        })
        .collect();
    if meta.state_size > 0 {
        inputs.push(Expect {
            name: INPUT_STATE,
            dims: vec![(meta.state_size, "state size")],
        });
        outputs.push(Expect {
            name: OUTPUT_STATE,
            dims: vec![(meta.state_size, "state size")],
        });
    }

    let mut problems = Vec::new();
    let mut batches = Vec::new();
    for (kind, expected, actual) in [
        ("input", &inputs, session.inputs()),
        ("output", &outputs, session.outputs()),
    ] {
        for e in expected.iter() {
            match actual.iter().find(|o| o.name() == e.name) {
                Some(o) => batches.extend(check_tensor(kind, e, o.dtype(), &mut problems)),
                None => problems.push(format!("the model has no {kind} named `{}`", e.name)),
            }
        }
        for o in actual {
            if !expected.iter().any(|e| e.name == o.name()) {
                let hint = if o.name() == INPUT_STATE || o.name() == OUTPUT_STATE {
                    " (a recurrent model must set `chameleon.state_size`)"
                } else {
                    ""
                };
                problems.push(format!("unexpected {kind} `{}`{hint}", o.name()));
            }
        }
    }
    batches.sort_unstable();
    batches.dedup();
    if batches.len() > 1 {
        problems.push(format!(
            "the tensors disagree on the batch size ({batches:?}); make the batch axis dynamic"
        ));
    }
    if problems.is_empty() {
        Ok(IoLayout {
            fixed_batch: batches.first().copied(),
        })
    } else {
        Err(problems)
    }
}
