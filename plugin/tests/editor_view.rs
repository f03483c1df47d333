//! Headless editor tests: the real editor view, drawn by egui's test harness (AccessKit tree,
//! no window, no GPU), wired to real parameters through a stand-in host.
//!
//! The harness panics when it lays out a character no font can draw, so every frame drawn here
//! also proves the labels are real text, not boxes.

use std::sync::{Arc, Mutex};

use chameleon::editor::{EditorShared, EditorView};
use chameleon::params::ChameleonParams;
use chameleon::status::{EngineInfo, EngineKind, EngineStatus};
use chameleon::style_names::StyleNames;
use chameleon_dsp::{EngineStats, StyleInfo};
use egui::accesskit::Role;
use egui::{Pos2, Vec2};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::context::PluginApi;
use nice_plug::params::internals::ParamPtr;
use nice_plug::plugin::ParamValue;
use nice_plug::prelude::{Param, Params, PluginState};

/// A host that applies edits at once and logs the gestures.
#[derive(Default)]
struct FakeHost {
    log: Mutex<Vec<String>>,
    /// The parameters a state from the editor is applied to.
    params: Mutex<Option<Arc<ChameleonParams>>>,
    /// How many whole states the editor has set.
    states_set: Mutex<usize>,
}

impl FakeHost {
    fn take_log(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl GuiContextInner for FakeHost {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        // SAFETY: the pointer comes from the test's `ChameleonParams`, alive for the whole test.
        let name = unsafe { param.name() }.to_owned();
        self.log.lock().unwrap().push(format!("begin {name}"));
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        // SAFETY: as above; the test runs on one thread, like a host's GUI thread.
        let name = unsafe {
            param._internal_set_normalized_value(normalized);
            param.name()
        }
        .to_owned();
        self.log.lock().unwrap().push(format!("set {name}"));
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        // SAFETY: as above.
        let name = unsafe { param.name() }.to_owned();
        self.log.lock().unwrap().push(format!("end {name}"));
    }

    fn get_state(&self) -> PluginState {
        PluginState {
            version: String::new(),
            params: Default::default(),
            fields: Default::default(),
        }
    }

    fn set_state(&self, state: PluginState) {
        *self.states_set.lock().unwrap() += 1;
        let Some(params) = self.params.lock().unwrap().clone() else {
            return;
        };
        for (id, ptr, _) in params.param_map() {
            let Some(value) = state.params.get(&id) else {
                continue;
            };
            let plain = match value {
                ParamValue::F32(v) => *v,
                ParamValue::I32(v) => *v as f32,
                ParamValue::Bool(b) => f32::from(u8::from(*b)),
                ParamValue::String(_) => continue,
            };
            // SAFETY: the pointers come from the test's `ChameleonParams`, alive for the test.
            unsafe { ptr._internal_set_normalized_value(ptr.preview_normalized(plain)) };
        }
    }

    fn request_restart(&self) {}
}

struct Rig {
    view: EditorView,
    gui: GuiContext,
}

struct Plugin {
    params: Arc<ChameleonParams>,
    names: Arc<StyleNames>,
    status: Arc<EngineStatus>,
    stats: Arc<EngineStats>,
    host: Arc<FakeHost>,
}

const SIZE: Vec2 = Vec2::new(980.0, 720.0);

/// A plugin with a four-style neural model running, as the loader would publish it.
fn plugin() -> (Plugin, Rig) {
    let names = Arc::new(StyleNames::default());
    let params = Arc::new(ChameleonParams::new(&names));
    let status = Arc::new(EngineStatus::default());
    let styles = vec![
        StyleInfo::new("warm", "Warm Tape"),
        StyleInfo::new("tel", "Telephone"),
        StyleInfo::new("choir", "Choir"),
        StyleInfo::new("brass", "Brass"),
    ];
    names.set(styles.clone());
    let stats = Arc::new(EngineStats::default());
    status.publish(
        EngineInfo {
            kind: EngineKind::Neural,
            model_name: "Chameleon Styles".into(),
            model_version: "1.2.0".into(),
            styles,
            provider: "CPU".into(),
            model_path: Some("/models/chameleon-styles.onnx".into()),
            reason: None,
            fft_size: 2048,
            hop: 512,
            ..EngineInfo::default()
        },
        Some(Arc::clone(&stats)),
    );
    status
        .latency_samples
        .store(2048, std::sync::atomic::Ordering::Relaxed);
    status
        .sample_rate
        .store(48_000.0, std::sync::atomic::Ordering::Relaxed);
    let host = Arc::new(FakeHost::default());
    *host.params.lock().unwrap() = Some(Arc::clone(&params));
    let gui = GuiContext::new(Arc::clone(&host) as Arc<dyn GuiContextInner>);
    let view = EditorView::new(EditorShared {
        params: Arc::clone(&params),
        status: Arc::clone(&status),
        names: Arc::clone(&names),
    });
    (
        Plugin {
            params,
            names,
            status,
            stats,
            host,
        },
        Rig { view, gui },
    )
}

fn harness(rig: Rig) -> Harness<'static, Rig> {
    Harness::builder()
        .with_size(SIZE)
        .with_max_steps(8)
        .build_ui_state(|ui, rig: &mut Rig| rig.view.ui(ui, &rig.gui), rig)
}

/// Runs a few frames (the editor asks for a repaint every frame, so it never settles).
fn frames(h: &mut Harness<'_, Rig>, n: usize) {
    h.run_steps(n);
}

/// Asserts that some node is labelled exactly `text` (it may appear more than once, as the
/// model name does in the header and the status panel).
#[track_caller]
fn shows(h: &Harness<'_, Rig>, text: &str) {
    assert!(
        h.query_all_by_label(text).count() > 0,
        "no node labelled {text:?}"
    );
}

/// As [`shows`], for a label containing `text`.
#[track_caller]
fn shows_part(h: &Harness<'_, Rig>, text: &str) {
    assert!(
        h.query_all_by_label_contains(text).count() > 0,
        "no node label contains {text:?}"
    );
}

/// The text a style drop-down shows.
fn picker_text(h: &Harness<'_, Rig>, param_name: &str) -> String {
    h.get_by_role_and_label(Role::ComboBox, param_name)
        .value()
        .unwrap_or_default()
}

fn slider_value(h: &Harness<'_, Rig>, label: &str) -> f64 {
    h.get_by_role_and_label(Role::Slider, label)
        .accesskit_node()
        .numeric_value()
        .unwrap_or(f64::NAN)
}

/// Moves `param` as a host's automation would (not through the editor).
fn automate<P: Param>(param: &P, normalized: f32) {
    // SAFETY: the parameter outlives the pointer's use, on this thread only.
    unsafe {
        param.as_ptr()._internal_set_normalized_value(normalized);
    }
}

#[test]
fn status_panel_shows_the_engine_in_real_text() {
    let (plugin, rig) = plugin();
    let mut h = harness(rig);
    frames(&mut h, 2);
    shows(&h, "Chameleon Styles v1.2.0");
    shows_part(&h, "Warm Tape, Telephone, Choir, Brass");
    shows(&h, "CPU");
    shows(&h, "2048 samples / 42.7 ms (Studio)");
    shows_part(&h, "Studio 42.7 ms");
    shows_part(&h, "waiting for audio (hop 10.7 ms)");
    shows(&h, "0");

    // Inference time and late frames as the engine counts them.
    plugin.stats.record_inference(180_000);
    plugin
        .stats
        .processed_frames
        .store(100, std::sync::atomic::Ordering::Relaxed);
    plugin
        .stats
        .missed_frames
        .store(3, std::sync::atomic::Ordering::Relaxed);
    frames(&mut h, 1);
    shows(&h, "180 µs per frame, max 180 µs (hop 10.7 ms)");
    shows(&h, "3");
    // "Reset" counts from now.
    h.get_by_label("Reset").click();
    frames(&mut h, 2);
    shows(&h, "0");
    assert!(h.query_by_label("3").is_none());
}

#[test]
fn problems_are_shown_in_plain_words() {
    let (plugin, rig) = plugin();
    let mut info = (*plugin.status.info()).clone();
    info.kind = EngineKind::BuiltIn;
    info.reason = Some(
        "ONNX Runtime was not found, so the built-in styles play. Run `cargo xtask install`."
            .into(),
    );
    plugin.status.publish(info, Some(Arc::clone(&plugin.stats)));
    plugin.stats.set_error("Protobuf parsing failed");
    let mut h = harness(rig);
    frames(&mut h, 2);
    shows_part(&h, "ONNX Runtime was not found");
    shows_part(
        &h,
        "The model failed while running (Protobuf parsing failed)",
    );
}

#[test]
fn controls_show_parameter_values_and_follow_host_automation() {
    let (plugin, rig) = plugin();
    let p = &plugin.params;
    automate(&p.morph, 0.25);
    automate(&p.mix, 0.5);
    let mut h = harness(rig);
    frames(&mut h, 2);
    assert!((slider_value(&h, "Morph") - 0.25).abs() < 1e-6);
    assert!((slider_value(&h, "Mix") - 0.5).abs() < 1e-6);
    // Gain at 0 dB is the middle of its -24..+24 dB range.
    assert!((slider_value(&h, "Gain") - 0.5).abs() < 1e-6);
    // The style pickers show the model's names for the slots.
    assert_eq!(picker_text(&h, "Style A"), "Warm Tape");
    assert_eq!(picker_text(&h, "Style B"), "Telephone");
    assert_eq!(picker_text(&h, "Corner Top-Right"), "Brass");

    automate(&p.morph, 0.8);
    automate(&p.style_b, p.style_b.preview_normalized(3));
    frames(&mut h, 1);
    assert!((slider_value(&h, "Morph") - 0.8).abs() < 1e-6);
    assert_eq!(picker_text(&h, "Style B"), "Brass");
    assert!(plugin.host.take_log().is_empty(), "drawing must not edit");
}

#[test]
fn dragging_the_morph_knob_is_one_host_gesture() {
    let (plugin, rig) = plugin();
    let mut h = harness(rig);
    frames(&mut h, 2);
    let knob = h.get_by_role_and_label(Role::Slider, "Morph").rect();
    let start = knob.center();
    h.hover_at(start);
    frames(&mut h, 1);
    h.drag_at(start);
    frames(&mut h, 1);
    for dy in [10.0, 30.0, 60.0] {
        h.hover_at(start - Vec2::new(0.0, dy));
        frames(&mut h, 1);
    }
    h.drop_at(start - Vec2::new(0.0, 60.0));
    frames(&mut h, 2);
    let morph = plugin.params.morph.value();
    assert!(morph > 0.15 && morph < 0.4, "morph {morph}");
    let log = plugin.host.take_log();
    assert_eq!(log.first().map(String::as_str), Some("begin Morph"));
    assert_eq!(log.last().map(String::as_str), Some("end Morph"));
    assert!(log.iter().all(|l| l.ends_with("Morph")), "{log:?}");
    assert!(log.iter().filter(|l| l.starts_with("set")).count() >= 2);
    assert!((slider_value(&h, "Morph") - f64::from(morph)).abs() < 1e-6);
}

#[test]
fn the_xy_pad_sets_both_axes_and_turns_itself_on() {
    let (plugin, rig) = plugin();
    let mut h = harness(rig);
    frames(&mut h, 2);
    let pad = h.get_by_label_contains("XY pad x 0.50 y 0.50").rect();
    // A quarter in from the left, a quarter down from the top: x = 0.25, y = 0.75.
    let target = Pos2::new(
        pad.left() + pad.width() * 0.25,
        pad.top() + pad.height() * 0.25,
    );
    h.hover_at(target);
    frames(&mut h, 1);
    h.drag_at(target);
    frames(&mut h, 1);
    h.drop_at(target);
    frames(&mut h, 2);
    let (x, y) = (plugin.params.pad_x.value(), plugin.params.pad_y.value());
    assert!(
        (x - 0.25).abs() < 0.02 && (y - 0.75).abs() < 0.02,
        "pad at {x}, {y}"
    );
    assert!(plugin.params.xy_enabled.value());
    let log = plugin.host.take_log();
    for expected in [
        "begin Pad X",
        "set Pad X",
        "end Pad X",
        "begin Pad Y",
        "end Pad Y",
    ] {
        assert!(
            log.iter().any(|l| l == expected),
            "{expected} missing from {log:?}"
        );
    }
    shows_part(&h, "XY pad x 0.25 y 0.75");
    shows(&h, "The XY pad is driving the styles");
}

#[test]
fn bypass_and_style_choice_go_through_the_host() {
    let (plugin, rig) = plugin();
    let mut h = harness(rig);
    frames(&mut h, 2);
    h.get_by_role_and_label(Role::CheckBox, "Bypass").click();
    frames(&mut h, 2);
    assert!(plugin.params.bypass.value());
    assert_eq!(
        plugin.host.take_log(),
        ["begin Bypass", "set Bypass", "end Bypass"]
    );

    // Style B shows "Telephone"; choose "Choir" from its list.
    let picker = h.get_by_role_and_label(Role::ComboBox, "Style B");
    assert_eq!(picker.value().as_deref(), Some("Telephone"));
    picker.click();
    frames(&mut h, 2);
    // The open list offers every style of the model; "Choir" is also a pad corner's name.
    h.get_by_role_and_label(Role::Button, "Choir").click();
    frames(&mut h, 2);
    assert_eq!(plugin.params.style_b.value(), 2);
    assert_eq!(
        plugin.host.take_log(),
        ["begin Style B", "set Style B", "end Style B"]
    );
}

#[test]
fn a_bad_model_path_is_refused_with_the_reason() {
    let (plugin, rig) = plugin();
    let mut h = harness(rig);
    frames(&mut h, 2);
    h.state_mut().view.picker_mut().path_text = "/nonexistent/model.onnx".into();
    frames(&mut h, 1);
    h.get_by_label("Load").click();
    frames(&mut h, 2);
    shows_part(&h, "There is no file at /nonexistent/model.onnx");
    assert!(
        !plugin.params.state_change.take(),
        "a refused path changes nothing the host must save"
    );
}

#[test]
fn choosing_a_model_file_tells_the_host_the_project_changed() {
    let (plugin, rig) = plugin();
    let mut h = harness(rig);
    frames(&mut h, 2);
    assert!(!plugin.params.state_change.take(), "nothing changed yet");
    let model = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../assets/models/chameleon-styles.onnx"
    );
    h.state_mut().view.picker_mut().path_text = model.into();
    frames(&mut h, 1);
    h.get_by_label("Load").click();
    frames(&mut h, 2);
    assert!(plugin
        .params
        .model
        .get()
        .path
        .is_some_and(|p| p.ends_with("chameleon-styles.onnx")));
    assert!(plugin.params.state_change.take(), "the host is told once");
    assert!(!plugin.params.state_change.take());
}

#[test]
fn the_live_view_follows_the_output_feed() {
    let (plugin, rig) = plugin();
    let feed = &plugin.status.live;
    feed.force_active(true);
    let sr = 48_000.0f32;
    let mut h = harness(rig);
    let mut phase = 0usize;
    for _ in 0..4 {
        let mut block: Vec<f32> = (0..2048)
            .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 2000.0 * (phase + i) as f32 / sr).sin())
            .collect();
        phase += 2048;
        feed.capture_input(&[&mut block[..]]);
        feed.capture_output(&[&mut block[..]]);
        frames(&mut h, 1);
    }
    let levels = h.state().view.output_levels();
    let (peak_bin, peak_db) =
        levels
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, &l)| if l > a.1 { (i, l) } else { a });
    let lo = chameleon::editor::spectrum::Analyser::bin_hz(peak_bin, sr);
    let hi = chameleon::editor::spectrum::Analyser::bin_hz(peak_bin + 1, sr);
    assert!(lo <= 2020.0 && hi >= 1980.0, "peak in {lo}..{hi} Hz");
    assert!(
        (-8.0..=-4.0).contains(&peak_db),
        "a -6 dBFS sine read {peak_db} dB"
    );
}

#[test]
fn the_output_card_shows_level_match_and_says_when_the_output_is_limited() {
    let (plugin, rig) = plugin();
    let mut h = harness(rig);
    frames(&mut h, 2);
    // Level match is on by default; the toggle turns it off through the host.
    assert!(plugin.params.level_match.value());
    h.get_by_role_and_label(Role::CheckBox, "Level match")
        .click();
    frames(&mut h, 2);
    assert!(!plugin.params.level_match.value());
    assert_eq!(
        plugin.host.take_log(),
        ["begin Level Match", "set Level Match", "end Level Match"]
    );
    assert_eq!(h.query_all_by_label_contains("Output limited").count(), 0);

    // A model far too loud: the engine publishes its gain reduction, the editor says so.
    let relaxed = std::sync::atomic::Ordering::Relaxed;
    plugin.stats.guard_reduction_db.store(-30.0, relaxed);
    plugin.stats.peak_reduction_db.store(-4.0, relaxed);
    frames(&mut h, 2);
    shows_part(&h, "Output limited -34.0 dB");
    shows(&h, "-34.0 dB");

    // Level match back on, cutting a loud model: its gain shows once the limiting stops.
    automate(&plugin.params.level_match, 1.0);
    plugin.stats.guard_reduction_db.store(0.0, relaxed);
    plugin.stats.peak_reduction_db.store(0.0, relaxed);
    plugin.stats.level_match_db.store(-6.5, relaxed);
    for _ in 0..40 {
        frames(&mut h, 4);
        if h.query_all_by_label_contains("Output limited").count() == 0 {
            break;
        }
    }
    shows(&h, "Level match -6.5 dB");
}

#[test]
fn a_model_forty_db_too_loud_shows_as_limiting_from_the_real_engine() {
    use chameleon_dsp::model::{FaultPlan, FaultyModel};
    use chameleon_dsp::{Controls, Engine, EngineConfig, SpectralShapeModel, StftGeometry};

    let (plugin, rig) = plugin();
    let model = FaultyModel::new(
        Box::new(SpectralShapeModel::new()),
        FaultPlan::parse("loud:40dB").unwrap(),
    );
    let mut config = EngineConfig::realtime(48_000.0, 1, StftGeometry::default(), 512);
    config.mode = chameleon_dsp::ProcessingMode::offline();
    let mut engine = Engine::new(config, Box::new(model)).unwrap();
    engine.set_controls(&Controls::single(1, 5));
    let mut state = 1u32;
    let mut block = [0.0f32; 512];
    for _ in 0..60 {
        for x in &mut block {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            *x = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
        }
        engine.process(&mut [&mut block]);
    }
    let info = plugin.status.info().as_ref().clone();
    plugin
        .status
        .publish(info, Some(Arc::clone(engine.stats())));
    let mut h = harness(rig);
    frames(&mut h, 2);
    // Level match (on by default) takes the 40 dB down; the editor still says why.
    shows_part(&h, "Output limited -3");
    let matched = engine
        .stats()
        .level_match_db
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(matched < -30.0, "level match {matched} dB");

    // With level match off the guard does it, and the engine counts the limited hops.
    engine.set_controls(&Controls::single(1, 5).with_level_match(false));
    for _ in 0..30 {
        engine.process(&mut [&mut block]);
    }
    frames(&mut h, 2);
    shows_part(&h, "Output limited -3");
    assert!(engine.stats().snapshot().limited_frames > 0);
}

#[test]
fn the_preset_bar_loads_steps_marks_changes_and_saves_user_presets() {
    let (plugin, rig) = plugin();
    let mut h = harness(rig);
    frames(&mut h, 2);
    let preset_box = |h: &Harness<'_, Rig>, text: &str| {
        h.query_all_by_role(Role::ComboBox)
            .any(|n| n.value().is_some_and(|v| v.contains(text)))
    };
    assert!(
        preset_box(&h, "(none loaded)"),
        "no preset is loaded at first"
    );
    // The bundled model's styles, which the factory presets name.
    let names = Arc::clone(&plugin.names);
    names.set(vec![
        StyleInfo::new("strings", "String Ensemble"),
        StyleInfo::new("violin", "Violin"),
        StyleInfo::new("cello", "Cello"),
        StyleInfo::new("flute", "Flute"),
        StyleInfo::new("choir", "Choir Aahs"),
        StyleInfo::new("trumpet", "Trumpet"),
        StyleInfo::new("clarinet", "Clarinet"),
        StyleInfo::new("church_organ", "Church Organ"),
        StyleInfo::new("nylon_guitar", "Nylon Guitar"),
    ]);
    let dir = std::env::temp_dir().join(format!("chameleon-preset-bar-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let params = Arc::clone(&plugin.params);
    let state = h.state_mut();
    let gui = state.gui.clone();
    let bar = state.view.presets_mut();
    bar.refresh_from(Some(&dir));
    let count = bar.entries().len();
    assert!(count >= 17, "the factory presets are listed ({count})");
    let choir = bar
        .entries()
        .iter()
        .position(|e| e.preset.params.style_a.to_string() == "choir" && !e.preset.params.xy_enabled)
        .expect("a preset on the choir style");
    bar.load(choir, &gui, &params, &names);
    assert_eq!(
        *plugin.host.states_set.lock().unwrap(),
        1,
        "one state change"
    );
    assert_eq!(params.style_a.value(), 4, "style A is the choir slot");
    assert!(!bar.is_modified(&params), "just loaded: not modified");
    let next_name = bar.entries()[(choir + 1) % count].preset.name.clone();
    let previous_name = bar.entries()[choir].preset.name.clone();
    for (button, expected) in [(">", &next_name), ("<", &previous_name)] {
        h.get_by_label(button).click();
        frames(&mut h, 2);
        let loaded = h
            .state_mut()
            .view
            .presets_mut()
            .loaded_name()
            .map(str::to_owned);
        assert_eq!(loaded.as_ref(), Some(expected), "{button} loads {expected}");
    }
    let bar = h.state_mut().view.presets_mut();
    assert_eq!(
        *plugin.host.states_set.lock().unwrap(),
        3,
        "one state change per load"
    );
    // SAFETY: the test's own parameter, on the test's one thread.
    unsafe { params.morph.as_ptr()._internal_set_normalized_value(0.9) };
    assert!(
        bar.is_modified(&params),
        "a changed morph marks the preset as modified"
    );
    let saved = bar
        .save_as("My Choir Sweep", &dir, &params, &names)
        .unwrap();
    assert_eq!(saved.file_name().unwrap(), "my-choir-sweep.chpreset");
    let text = std::fs::read_to_string(&saved).unwrap();
    let preset = chameleon::presets::Preset::parse(&text).unwrap();
    assert_eq!(preset.category, "User");
    assert_eq!(preset.params.style_a.to_string(), "choir");
    assert!((preset.params.morph - 0.9).abs() < 1e-4);
    assert_eq!(bar.entries().len(), count + 1, "the saved preset is listed");
    assert_eq!(bar.loaded_name(), Some("My Choir Sweep"));
    assert!(!bar.is_modified(&params));
    // SAFETY: as above.
    unsafe { params.morph.as_ptr()._internal_set_normalized_value(0.2) };
    frames(&mut h, 2);
    assert!(
        preset_box(&h, "My Choir Sweep *"),
        "the box names the preset, modified"
    );
    shows(&h, "modified");
    let _ = std::fs::remove_dir_all(&dir);
}
