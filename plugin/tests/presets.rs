//! Presets end to end through `chameleon-render`: the factory set covers the bundled model,
//! a preset renders exactly like the same settings given as options, and user presets are
//! found in the user folder.

use std::path::{Path, PathBuf};
use std::process::Output;

use chameleon::presets::{Preset, StyleRef, FACTORY};

#[path = "common/render_run.rs"]
mod render_run;
use render_run::{json, run_with_data_home};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn bundled_model() -> String {
    repo_root()
        .join("assets/models/chameleon-styles.onnx")
        .display()
        .to_string()
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chameleon-presets-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str], data_home: &Path) -> Output {
    run_with_data_home(args, data_home)
}

/// A short stereo test input: two tones and a little noise.
fn write_input(path: &Path) {
    let frames = 24_000;
    let data: Vec<Vec<f32>> = (0..2)
        .map(|c| {
            let mut s = 0x1234_5678u32 + c;
            (0..frames)
                .map(|i| {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    let t = i as f32 / 48_000.0;
                    0.3 * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
                        + 0.15 * (2.0 * std::f32::consts::PI * 660.0 * t).sin()
                        + 0.02 * (s as f32 / u32::MAX as f32 - 0.5)
                })
                .collect()
        })
        .collect();
    chameleon::render::write_wav(path, &data, 48_000).unwrap();
}

fn read(path: &Path) -> Vec<Vec<f32>> {
    chameleon::render::read_wav(path).unwrap().0
}

/// The bundled model's style identifiers, or `None` without ONNX Runtime.
fn bundled_styles(data_home: &Path) -> Option<Vec<String>> {
    let listing = json(&run(
        &["--list-styles", "--json", "--model", &bundled_model()],
        data_home,
    ));
    let ids: Vec<String> = listing["styles"]
        .as_array()?
        .iter()
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect();
    ids.iter().any(|s| s == "strings").then_some(ids)
}

#[test]
fn every_bundled_style_has_a_factory_preset_and_every_preset_names_real_styles() {
    let home = scratch_dir("cover");
    let Some(styles) = bundled_styles(&home) else {
        panic!("the bundled model needs ONNX Runtime (cargo xtask fetch-onnxruntime)");
    };
    let presets: Vec<Preset> = FACTORY
        .iter()
        .map(|(_, t)| Preset::parse(t).unwrap())
        .collect();
    for style in styles.iter().filter(|s| *s != "identity") {
        assert!(
            presets.iter().any(|p| p.category == "Styles"
                && !p.params.xy_enabled
                && p.params.style_a == StyleRef::Id(style.clone())
                && p.params.style_b == StyleRef::Id(style.clone())),
            "no Styles preset plays {style} alone"
        );
    }
    let find = |s: &str| styles.iter().position(|id| id == s).map(|i| i as i32);
    for preset in &presets {
        preset
            .resolve_styles(&find)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    for category in ["Styles", "Morphs", "XY Scenes"] {
        assert!(
            presets.iter().any(|p| p.category == category),
            "no {category} preset"
        );
    }
    assert!(presets.iter().any(|p| p.category == "Morphs"
        && p.params.morph > 0.0
        && p.params.style_a != p.params.style_b));
    assert!(presets
        .iter()
        .any(|p| p.category == "XY Scenes" && p.params.xy_enabled));
    std::fs::remove_dir_all(home).unwrap();
}

#[test]
fn a_preset_renders_exactly_like_its_settings_given_as_options() {
    let home = scratch_dir("render");
    let input = home.join("in.wav");
    write_input(&input);
    let model = bundled_model();
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "strings-to-choir",
            vec!["--style", "strings", "--style-b", "choir", "--morph", "0.5"],
        ),
        (
            "orchestra-pad",
            vec![
                "--corners",
                "strings,trumpet,flute,choir",
                "--pad",
                "0.5,0.5",
            ],
        ),
        (
            "winds-and-organ",
            vec![
                "--corners",
                "flute,clarinet,trumpet,church_organ",
                "--pad",
                "0.5,0.5",
                "--mix",
                "0.5",
            ],
        ),
    ];
    for (preset, options) in cases {
        let by_preset = home.join(format!("{preset}-preset.wav"));
        let by_options = home.join(format!("{preset}-options.wav"));
        let (i, a, b) = (
            input.to_str().unwrap(),
            by_preset.to_str().unwrap(),
            by_options.to_str().unwrap(),
        );
        let report = json(&run(
            &[i, a, "--model", &model, "--preset", preset, "--json"],
            &home,
        ));
        assert!(report["preset"].as_str().is_some(), "{report}");
        let mut args = vec![i, b, "--model", &model, "--json"];
        args.extend(options.iter().copied());
        json(&run(&args, &home));
        assert_eq!(read(&by_preset), read(&by_options), "{preset}");
    }
    std::fs::remove_dir_all(home).unwrap();
}

#[test]
fn options_after_a_preset_change_its_values_and_output_gain_scales_the_output() {
    let home = scratch_dir("override");
    let input = home.join("in.wav");
    write_input(&input);
    let model = bundled_model();
    let (plain, quieter) = (home.join("plain.wav"), home.join("quieter.wav"));
    let i = input.to_str().unwrap();
    let report = json(&run(
        &[
            i,
            plain.to_str().unwrap(),
            "--model",
            &model,
            "--preset",
            "trumpet",
            "--mix",
            "0.25",
            "--json",
        ],
        &home,
    ));
    assert_eq!(report["mix"], 0.25);
    assert_eq!(report["style"], "trumpet");
    json(&run(
        &[
            i,
            quieter.to_str().unwrap(),
            "--model",
            &model,
            "--preset",
            "trumpet",
            "--mix",
            "0.25",
            "--output-gain",
            "-6",
            "--json",
        ],
        &home,
    ));
    let gain = 10f32.powf(-6.0 / 20.0);
    for (a, b) in read(&plain).iter().zip(read(&quieter).iter()) {
        for (x, y) in a.iter().zip(b) {
            assert!((x * gain - y).abs() < 1e-6, "{x} * {gain} vs {y}");
        }
    }
    std::fs::remove_dir_all(home).unwrap();
}

#[test]
fn user_presets_are_listed_and_used_and_broken_ones_are_reported() {
    let home = scratch_dir("user");
    let folder = home.join("chameleon/presets");
    std::fs::create_dir_all(&folder).unwrap();
    let mut mine = Preset::parse(FACTORY[0].1).unwrap();
    mine.name = "My Strings".to_owned();
    mine.category = "Mine".to_owned();
    mine.params.mix = 0.75;
    std::fs::write(folder.join("my-strings.chpreset"), mine.to_json()).unwrap();
    std::fs::write(folder.join("broken.chpreset"), "{ nope").unwrap();

    let listing = json(&run(&["--list-presets", "--json"], &home));
    let presets = listing["presets"].as_array().unwrap();
    assert_eq!(presets.len(), FACTORY.len() + 1, "{listing}");
    assert!(presets
        .iter()
        .any(|p| p["name"] == "My Strings" && p["source"] == "user" && p["category"] == "Mine"));
    let unreadable = listing["unreadable"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1, "{listing}");
    assert!(unreadable[0].as_str().unwrap().contains("broken.chpreset"));

    let input = home.join("in.wav");
    write_input(&input);
    let out = home.join("out.wav");
    let report = json(&run(
        &[
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--model",
            &bundled_model(),
            "--preset",
            "My Strings",
            "--json",
        ],
        &home,
    ));
    assert_eq!(report["mix"], 0.75);
    assert_eq!(report["preset"], "My Strings");

    let missing = run(
        &[
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            "--preset",
            "nope",
        ],
        &home,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no preset named \"nope\""));
    std::fs::remove_dir_all(home).unwrap();
}
