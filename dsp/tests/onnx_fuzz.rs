//! Random bytes and random metadata never panic the model-file reader, the metadata parser or
//! the loader; they give errors.

mod onnx_common;

use chameleon_dsp::model::loader::{inspect_model, load_onnx_model_from_bytes};
use chameleon_dsp::model::metadata::{ModelMetadata, KNOWN_KEYS};
use chameleon_dsp::model::Device;
use onnx_common::{golden_model, require_runtime, runtime_dirs};
use proptest::prelude::*;

fn golden_bytes() -> Vec<u8> {
    std::fs::read(golden_model("golden_mask")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic_the_reader(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = inspect_model(&bytes);
    }

    #[test]
    fn random_metadata_never_panics_and_errors_say_something(
        entries in proptest::collection::vec(
            (prop_oneof![
                proptest::sample::select(KNOWN_KEYS.to_vec()).prop_map(str::to_owned),
                "chameleon\\.[a-z_]{0,12}",
                ".{0,16}",
            ], ".{0,24}"),
            0..24,
        )
    ) {
        if let Err(e) = ModelMetadata::from_props(&entries) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn mutated_metadata_values_never_panic(
        key in proptest::sample::select(KNOWN_KEYS.to_vec()),
        value in prop_oneof!["[0-9]{0,12}", "-?[0-9]*\\.?[0-9]*e?[0-9]{0,3}", ".{0,32}", Just("nan".to_owned()), Just("inf".to_owned())],
    ) {
        let base = inspect_model(&golden_bytes()).unwrap().to_props();
        let mut props: Vec<(String, String)> = base.into_iter().filter(|(k, _)| k != key).collect();
        props.push((key.to_owned(), value));
        let _ = ModelMetadata::from_props(&props);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Flipped bytes in a real model go all the way through ONNX Runtime when the metadata
    /// survives; nothing panics.
    #[test]
    fn mutated_models_never_panic_the_loader(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16)
    ) {
        require_runtime();
        let mut bytes = golden_bytes();
        let len = bytes.len();
        for (at, value) in flips {
            bytes[at.index(len)] = value;
        }
        let _ = load_onnx_model_from_bytes(&bytes, Device::Cpu, &runtime_dirs());
    }
}
