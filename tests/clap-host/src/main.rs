//! A small CLAP host that loads Chameleon's `.clap` and checks it the way a DAW would.
//!
//! ```text
//! chameleon-clap-host PATH.clap
//! ```
//!
//! It checks the descriptor and features, lists the parameters with their text, activates at
//! several sample rates and maximum block sizes, processes random block sizes (1 to 4096) with
//! parameter events in the middle of blocks, measures the latency with an impulse, checks that
//! the output is finite and that parameters act, saves the state into a fresh instance and
//! compares, feeds random and truncated state bytes expecting a clean refusal, and runs noise,
//! a drum loop and a loud sweep through the default style with level match on and off,
//! expecting the level-safety bounds, and indexes and loads presets through preset discovery
//! and `clap.preset-load`. It prints
//! one line per check and exits non-zero if any fails.

use std::process::ExitCode;

use chameleon_clap_host::host::{Instance, Session};
use chameleon_clap_host::level::{LevelCheck, MAX_GAIN_DB};
use chameleon_clap_host::params::{
    find, flush_param, list_params, param_text, param_value, text_value, Param,
};
use chameleon_clap_host::presets;
use chameleon_clap_host::rng::Rng;
use chameleon_clap_host::state::{load_state, save_state};
use chameleon_clap_host::PLUGIN_ID;
use chameleon_host_check::report::Report;
use chameleon_level_check::bounds::Bounds;
use chameleon_level_check::measure::compare;
use chameleon_level_check::signals::hostile;
use clack_extensions::latency::PluginLatency;
use clack_extensions::preset_discovery::prelude::{Flags, Location};
use clack_extensions::render::{PluginRender, RenderMode};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

/// Parameters every build must expose, by display name.
const EXPECTED_PARAMS: &[&str] = &[
    "Style A",
    "Style B",
    "Morph",
    "Mix",
    "Output Gain",
    "Bypass",
    "Level Match",
    "Device",
    "XY Pad",
    "Pad X",
    "Pad Y",
];

fn latency(instance: &mut Instance) -> Option<u32> {
    let ext = instance.plugin_handle().get_extension::<PluginLatency>()?;
    Some(ext.get(&instance.plugin_handle()))
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

fn check_descriptor(report: &mut Report, entry: &PluginEntry) {
    let Some(factory) = entry.get_plugin_factory() else {
        report.check(false, "the entry has a plugin factory");
        return;
    };
    let descriptor = factory
        .plugin_descriptors()
        .find(|d| d.id() == Some(PLUGIN_ID));
    report.check(
        descriptor.is_some(),
        "the factory lists audio.chameleon.style-transfer",
    );
    let Some(d) = descriptor else { return };
    let name = d
        .name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    report.check(
        name == "Chameleon",
        format!("descriptor name is Chameleon ({name})"),
    );
    let vendor = d
        .vendor()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    report.check(
        !vendor.is_empty(),
        format!("descriptor has a vendor ({vendor})"),
    );
    let version = d
        .version()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    report.check(
        !version.is_empty(),
        format!("descriptor has a version ({version})"),
    );
    let features: Vec<String> = d
        .features()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    for wanted in ["audio-effect", "stereo", "mono"] {
        report.check(
            features.iter().any(|f| f == wanted),
            format!("feature {wanted} in {features:?}"),
        );
    }
}

fn check_params(report: &mut Report, instance: &mut Instance) -> Vec<Param> {
    let params = list_params(instance);
    report.check(
        !params.is_empty(),
        format!("{} parameters listed", params.len()),
    );
    for p in &params {
        let text = param_text(instance, p.id, p.default);
        println!(
            "      param {:>10} {:<20} {:>8.3}..{:<8.3} default {:<8.3} \"{text}\"",
            p.id.get(),
            p.name,
            p.min,
            p.max,
            p.default
        );
        report.check(
            p.min < p.max && (p.min..=p.max).contains(&p.default),
            format!("{} range is sane", p.name),
        );
        report.check(!text.is_empty(), format!("{} has value text", p.name));
    }
    for name in EXPECTED_PARAMS {
        report.check(
            params.iter().any(|p| p.name == *name),
            format!("parameter {name} exists"),
        );
    }
    params
}

/// Activates at many rates and block sizes and processes noise in random block sizes with
/// parameter events mid-block.
fn check_rates_and_blocks(
    report: &mut Report,
    entry: &PluginEntry,
    params: &[Param],
    rng: &mut Rng,
) {
    let morph = find(params, "Morph").id;
    let mix = find(params, "Mix").id;
    let style_b = find(params, "Style B").id;
    let gain = find(params, "Output Gain").id;
    let pad_x = find(params, "Pad X").id;
    let xy = find(params, "XY Pad").id;
    let automated = [morph, mix, style_b, gain, pad_x, xy];
    for rate in [
        1_000.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0, 768_000.0,
    ] {
        for max_block in [1u32, 64, 4096, 16384] {
            let mut instance = match Instance::new(entry, PLUGIN_ID) {
                Ok(i) => i,
                Err(e) => {
                    report.check(false, format!("instantiate: {e}"));
                    return;
                }
            };
            let mut session = match Session::start(&mut instance, rate, max_block, 2) {
                Ok(s) => s,
                Err(e) => {
                    report.check(
                        false,
                        format!("activate at {rate} Hz, max block {max_block}: {e}"),
                    );
                    continue;
                }
            };
            let total = ((rate * 0.3) as usize).max(20_000);
            let mut done = 0;
            let mut level = LevelCheck::default();
            let mut calls = 0;
            while done < total {
                let n = (rng.below(4096) as u32 + 1).min(max_block) as usize;
                let mut events = Vec::new();
                for _ in 0..rng.below(3) {
                    let id = automated[rng.below(automated.len())];
                    let p = params.iter().find(|p| p.id == id).unwrap();
                    let v = p.min + (p.max - p.min) * rng.unit();
                    // Keep the output gain at or below 0 dB (the middle of its range).
                    let v = if p.name == "Output Gain" {
                        v.min((p.min + p.max) / 2.0)
                    } else {
                        v
                    };
                    events.push(ParamValueEvent::new(
                        rng.below(n) as u32,
                        id,
                        Pckn::match_all(),
                        v,
                    ));
                }
                events.sort_by_key(|e| e.header().time());
                let input: Vec<f32> = (0..n).map(|_| rng.unit() as f32 - 0.5).collect();
                let out = session.process(&[&input, &input], &events);
                level.add(&[&input, &input], &out);
                done += n;
                calls += 1;
            }
            let latency = session.latency();
            session.stop(&mut instance);
            report.check(
                level.ok() && calls > 0,
                format!(
                    "{rate} Hz, max block {max_block}: {calls} random blocks with mid-block events, finite output at {:+.1} dB (at most {MAX_GAIN_DB:+.0}), latency {latency:?}",
                    level.gain_db()
                ),
            );
        }
    }
}

/// Measures the latency with an impulse (dry and wet) against what the plugin reports.
fn check_latency(report: &mut Report, entry: &PluginEntry, params: &[Param]) {
    let mix = find(params, "Mix").id;
    let mode_param = find(params, "Latency Mode");
    for (mode, rate, max_block, block) in [
        ("Studio", 48_000.0, 512u32, 512usize),
        ("Studio", 44_100.0, 1024, 333),
        ("Studio", 96_000.0, 64, 64),
        ("Live", 48_000.0, 64, 64),
        ("Live", 44_100.0, 1024, 333),
        ("Live", 96_000.0, 64, 64),
    ] {
        for mix_value in [0.0, 1.0] {
            let mut instance = Instance::new(entry, PLUGIN_ID).expect("instantiate");
            let mode_value = text_value(&mut instance, mode_param.id, mode);
            if !flush_param(&mut instance, mode_param.id, mode_value) {
                report.check(
                    false,
                    format!("the latency mode {mode} can be set before activation"),
                );
                continue;
            }
            let mut session = Session::start(&mut instance, rate, max_block, 2).expect("activate");
            let reported = latency(&mut instance).unwrap_or(0) as usize;
            // The wet path shows the impulse only through an identity style; other styles
            // smear it, so there only the dry path is a measurement.
            let style = param_text(&mut instance, find(params, "Style A").id, 0.0);
            let measurable = mix_value == 0.0 || style == "Identity";
            let total = reported + 8 * block + 4096;
            let mut output = Vec::new();
            let mut done = 0;
            while done < total {
                let n = block.min(total - done);
                let mut input = vec![0.0f32; n];
                if done == 0 {
                    input[0] = 1.0;
                }
                let events = if done == 0 {
                    vec![ParamValueEvent::new(0, mix, Pckn::match_all(), mix_value)]
                } else {
                    Vec::new()
                };
                let out = session.process(&[&input, &input], &events);
                output.extend_from_slice(&out[0][..n]);
                done += n;
            }
            session.stop(&mut instance);
            let peak = output
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|(i, _)| i)
                .unwrap_or(0);
            let what = format!(
                "{mode}, {rate} Hz, blocks of {block}, mix {mix_value}, style {style}: impulse \
                 lands at {peak}, reported latency {reported} (peak {:.3})",
                output[peak]
            );
            if measurable {
                report.check(peak == reported && reported > 0, what);
            } else {
                println!("info  {what}");
            }
        }
    }
}

/// Output gain and mix must audibly act.
fn check_params_act(report: &mut Report, entry: &PluginEntry, params: &[Param]) {
    let gain = find(params, "Output Gain").id;
    // Measured on the dry path (mix 0), which is exact whatever the worker manages in time, so
    // the check sees only the gain stage.
    let mix = find(params, "Mix").id;
    let dry = ParamValueEvent::new(0, mix, Pckn::match_all(), 0.0);
    let mut instance = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    let minus_12 = text_value(&mut instance, gain, "-12");
    let zero = text_value(&mut instance, gain, "0");
    let mut session = Session::start(&mut instance, 48_000.0, 512, 2).expect("activate");
    let mut rng = Rng::new(7);
    let level = |session: &mut Session, events: &[ParamValueEvent], rng: &mut Rng| {
        let mut last = Vec::new();
        for i in 0..60 {
            let input: Vec<f32> = (0..512).map(|_| rng.unit() as f32 - 0.5).collect();
            let ev: &[ParamValueEvent] = if i == 0 { events } else { &[] };
            last = session.process(&[&input, &input], ev)[0].clone();
        }
        rms(&last)
    };
    let unity = level(
        &mut session,
        &[ParamValueEvent::new(0, gain, Pckn::match_all(), zero), dry],
        &mut rng,
    );
    let quiet = level(
        &mut session,
        &[
            ParamValueEvent::new(0, gain, Pckn::match_all(), minus_12),
            dry,
        ],
        &mut rng,
    );
    session.stop(&mut instance);
    let ratio_db = 20.0 * (quiet / unity).log10();
    report.check(
        (ratio_db + 12.0).abs() < 1.0,
        format!("output gain −12 dB changes the level by {ratio_db:.2} dB"),
    );
}

/// State round trip into a fresh instance, and refusal of random and truncated bytes.
fn check_state(report: &mut Report, entry: &PluginEntry, params: &[Param], rng: &mut Rng) {
    let mut a = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    let minus_6 = text_value(&mut a, find(params, "Output Gain").id, "-6");
    let changes = [
        ("Morph", 0.7),
        ("Mix", 0.25),
        ("Style B", 3.0),
        ("Output Gain", minus_6),
        ("Pad Y", 0.9),
    ];
    let mut session = Session::start(&mut a, 48_000.0, 512, 2).expect("activate");
    let events: Vec<ParamValueEvent> = changes
        .iter()
        .map(|(name, v)| ParamValueEvent::new(0, find(params, name).id, Pckn::match_all(), *v))
        .collect();
    let silence = vec![0.0f32; 512];
    session.process(&[&silence, &silence], &events);
    session.stop(&mut a);
    let Some(state) = save_state(&mut a) else {
        report.check(false, "state saves");
        return;
    };
    report.check(
        !state.is_empty(),
        format!("state saves ({} bytes)", state.len()),
    );

    let mut b = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    report.check(
        load_state(&mut b, &state),
        "state loads into a fresh instance",
    );
    let mut all_equal = true;
    for p in params {
        let va = param_value(&mut a, p.id);
        let vb = param_value(&mut b, p.id);
        if va != vb {
            all_equal = false;
            println!("      {} differs: {va:?} vs {vb:?}", p.name);
        }
    }
    report.check(all_equal, "every parameter matches after the round trip");
    for (name, v) in changes {
        let got = param_value(&mut b, find(params, name).id).unwrap_or(f64::NAN);
        report.check(
            (got - v).abs() < 1e-3,
            format!("{name} restored as {got} (set {v})"),
        );
    }

    let mut c = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    let mut refused = 0;
    let trials = 200;
    for i in 0..trials {
        let bytes: Vec<u8> = if i % 2 == 0 {
            let len = rng.below(state.len() + 64);
            (0..len).map(|_| rng.below(256) as u8).collect()
        } else {
            // A truncated real state, its length prefix intact.
            state[..rng.below(state.len().saturating_sub(1)).max(1)].to_vec()
        };
        if !load_state(&mut c, &bytes) {
            refused += 1;
        }
    }
    report.check(
        refused == trials,
        format!("{refused} of {trials} random or truncated states refused"),
    );
    let mut session = Session::start(&mut c, 48_000.0, 256, 2).expect("activate after bad states");
    let input = vec![0.1f32; 256];
    let ok = (0..20).all(|_| {
        session.process(&[&input, &input], &[])[0]
            .iter()
            .all(|x| x.is_finite())
    });
    session.stop(&mut c);
    report.check(ok, "the instance still processes after refusing bad states");

    // A state naming a missing model restores the parameters, keeps the latency and plays.
    let text = String::from_utf8_lossy(&state[8..]).into_owned();
    let missing = text.replace(
        r#"\"path\":null"#,
        r#"\"path\":\"/nonexistent/chameleon/gone.onnx\""#,
    );
    report.check(missing != text, "the saved state holds the model path");
    let mut bytes = (missing.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(missing.as_bytes());
    let mut d = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    let mut reference = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    report.check(
        load_state(&mut d, &bytes),
        "a state naming a missing model loads",
    );
    let morph = param_value(&mut d, find(params, "Morph").id).unwrap_or(f64::NAN);
    report.check(
        (morph - 0.7).abs() < 1e-3,
        format!("its parameters are restored (morph {morph})"),
    );
    let session = Session::start(&mut reference, 48_000.0, 512, 2).expect("activate");
    let expected = latency(&mut reference);
    session.stop(&mut reference);
    let mut session = Session::start(&mut d, 48_000.0, 512, 2).expect("activate");
    let ok = (0..50).all(|_| {
        session.process(&[&input, &input], &[])[0]
            .iter()
            .all(|x| x.is_finite())
    });
    let got = latency(&mut d);
    session.stop(&mut d);
    report.check(
        ok && got == expected,
        format!("it plays with the latency kept ({got:?}, expected {expected:?})"),
    );
}

/// Switches the latency mode while processing: the plugin must ask for a restart, report the
/// Live latency after it, and crossfade between the two latencies without a click (at mix 0 a
/// sine stays as smooth as the input; a hard cut would jump by up to twice its amplitude).
fn check_latency_mode_switch(report: &mut Report, entry: &PluginEntry, params: &[Param]) {
    let mode = find(params, "Latency Mode").id;
    let mix = find(params, "Mix").id;
    let mut instance = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    let live = text_value(&mut instance, mode, "Live");
    let (rate, block) = (48_000.0, 64usize);
    let mut session = Session::start(&mut instance, rate, block as u32, 2).expect("activate");
    let studio_latency = session.latency().unwrap_or(0);
    let _ = instance.take_restart_request();
    let sine = |n: usize| 0.3 * (std::f64::consts::TAU * 220.0 * n as f64 / rate).sin() as f32;
    let mut output = Vec::new();
    let mut restart = false;
    let switch_at = 24_000;
    let total = 4 * 48_000;
    let mut done = 0;
    while done < total {
        let input: Vec<f32> = (done..done + block).map(sine).collect();
        let mut events = vec![];
        if done == 0 {
            events.push(ParamValueEvent::new(0, mix, Pckn::match_all(), 0.0));
        }
        if done == switch_at {
            events.push(ParamValueEvent::new(0, mode, Pckn::match_all(), live));
        }
        let out = session.process(&[&input, &input], &events);
        output.extend_from_slice(&out[0]);
        done += block;
        instance.poll_main_thread();
        restart |= instance.take_restart_request();
        // Paced about as a real-time host, so the loader's rebuild lands during the run.
        std::thread::sleep(std::time::Duration::from_micros(600));
    }
    session.stop(&mut instance);
    let steady = (1..switch_at)
        .map(|i| (sine(i) - sine(i - 1)).abs())
        .fold(0.0, f32::max);
    let worst = output[switch_at..]
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    report.check(
        worst <= 1.5 * steady && output.iter().all(|x| x.is_finite()),
        format!(
            "Studio → Live while processing: largest step {worst:.4} (a 220 Hz sine steps {steady:.4})"
        ),
    );
    report.check(
        restart,
        "switching the latency mode asks the host for a restart",
    );
    let mut session = Session::start(&mut instance, rate, block as u32, 2).expect("reactivate");
    let live_latency = session.latency().unwrap_or(0);
    let _ = session.process(&[&[0.0; 64], &[0.0; 64]], &[]);
    session.stop(&mut instance);
    report.check(
        live_latency > 0 && live_latency < studio_latency && live_latency <= 512,
        format!(
            "after the restart the plugin reports the Live latency: {live_latency} samples \
             (Studio {studio_latency}), host told {} time(s)",
            instance.latency_changes()
        ),
    );
    // The mode is saved with the project: a fresh instance given the state starts in Live.
    let restored = save_state(&mut instance).and_then(|state| {
        let mut fresh = Instance::new(entry, PLUGIN_ID).ok()?;
        load_state(&mut fresh, &state).then_some(())?;
        let session = Session::start(&mut fresh, rate, block as u32, 2).ok()?;
        let latency = session.latency();
        session.stop(&mut fresh);
        latency
    });
    report.check(
        restored == Some(live_latency),
        format!("a project saved in Live reopens in Live ({restored:?} samples)"),
    );
}

/// Swaps the model while processing (a state naming a missing model, then the bundled one):
/// the output must stay finite, and a latency change must come with a restart request.
fn check_swap_under_load(report: &mut Report, entry: &PluginEntry) {
    let mut instance = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    let Some(original) = save_state(&mut instance) else {
        report.check(false, "state saves before the swap");
        return;
    };
    let text = String::from_utf8_lossy(&original[8..]).into_owned();
    let missing = text.replace(
        r#"\"path\":null"#,
        r#"\"path\":\"/nonexistent/chameleon/gone.onnx\""#,
    );
    let mut swapped = (missing.len() as u64).to_le_bytes().to_vec();
    swapped.extend_from_slice(missing.as_bytes());
    let mut session = Session::start(&mut instance, 48_000.0, 256, 2).expect("activate");
    let mut rng = Rng::new(99);
    let mut level = LevelCheck::default();
    let mut loads = 0;
    for round in 0..6 {
        let state = if round % 2 == 0 { &swapped } else { &original };
        loads += usize::from(load_state(&mut instance, state));
        for _ in 0..120 {
            let input: Vec<f32> = (0..256).map(|_| rng.unit() as f32 - 0.5).collect();
            let out = session.process(&[&input, &input], &[]);
            level.add(&[&input, &input], &out);
            std::thread::sleep(std::time::Duration::from_micros(300));
        }
        instance.poll_main_thread();
    }
    session.stop(&mut instance);
    report.check(
        level.ok() && loads == 6,
        format!(
            "6 model swaps while processing ({loads} state loads): output finite at {:+.1} dB (at most {MAX_GAIN_DB:+.0})",
            level.gain_db()
        ),
    );
}

/// Every hostile input through the default style, level match on (the default) and off, in the
/// offline render mode (the plugin waits for every frame, so the model is heard on every hop,
/// not the dry fallback of a worker that the unpaced host outruns): the output, aligned by the
/// reported latency, keeps the level-safety bounds.
fn check_level_safety(report: &mut Report, entry: &PluginEntry, params: &[Param]) {
    let level_match = find(params, "Level Match").id;
    let rate = 48_000.0;
    let seconds = 3.0;
    let n = (rate * seconds) as usize;
    let inputs = hostile(rate as f32, seconds as f32);
    for on in [true, false] {
        for signal in &inputs {
            let (name, input) = (signal.name, &signal.samples);
            let mut instance = Instance::new(entry, PLUGIN_ID).expect("instantiate");
            let offline = instance
                .plugin_handle()
                .get_extension::<PluginRender>()
                .map(|r| {
                    r.set(&instance.plugin_handle(), RenderMode::Offline)
                        .is_ok()
                });
            if offline != Some(true) {
                report.check(false, "the plugin switches to the offline render mode");
                return;
            }
            let mut session = Session::start(&mut instance, rate, 512, 2).expect("activate");
            let reported = latency(&mut instance).unwrap_or(0) as usize;
            let mut padded = input.clone();
            padded.resize(n + reported, 0.0);
            let mut output = Vec::with_capacity(padded.len());
            for (i, block) in padded.chunks(512).enumerate() {
                let events = if i == 0 {
                    let value = if on { 1.0 } else { 0.0 };
                    vec![ParamValueEvent::new(
                        0,
                        level_match,
                        Pckn::match_all(),
                        value,
                    )]
                } else {
                    Vec::new()
                };
                let out = session.process(&[block, block], &events);
                output.extend_from_slice(&out[0][..block.len()]);
            }
            session.stop(&mut instance);
            let change = compare(&[input], &[&output[reported..]], rate);
            let broken = Bounds::for_level_match(on)
                .for_input(signal)
                .violations(&change);
            report.check(
                broken.is_empty(),
                format!(
                    "offline, level match {}: {name} comes out at {:+.1} dB (worst 400 ms {:+.1} dB, peak \
                     {:.2} -> {:.2}){}",
                    if on { "on" } else { "off" },
                    change.clip_db,
                    change.worst_window_db,
                    change.input_peak,
                    change.output_peak,
                    if broken.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", broken.join(", "))
                    }
                ),
            );
        }
    }
}

/// Preset discovery as a preset-browsing host does it, and preset loading through
/// `clap.preset-load` into an instance that is not processing.
fn check_presets(
    report: &mut Report,
    entry: &PluginEntry,
    params: &[Param],
    style_names: &[String],
) {
    let (index, found) = match presets::discover(entry) {
        Ok(result) => result,
        Err(e) => {
            report.check(false, format!("preset discovery: {e}"));
            return;
        }
    };
    report.check(
        index.extensions.iter().any(|e| e == "chpreset"),
        format!(
            "preset discovery declares the .chpreset file type ({:?})",
            index.extensions
        ),
    );
    report.check(
        index
            .locations
            .iter()
            .any(|(_, flags, _)| flags.contains(Flags::IS_FACTORY_CONTENT)),
        format!(
            "preset discovery declares a factory location ({:?})",
            index.locations
        ),
    );
    report.check(
        found.errors.is_empty(),
        format!("preset discovery reports no errors ({:?})", found.errors),
    );
    let factory: Vec<_> = found
        .presets
        .iter()
        .filter(|p| {
            p.flags
                .is_some_and(|f| f.contains(Flags::IS_FACTORY_CONTENT))
        })
        .collect();
    let in_category = |c: &str| factory.iter().filter(|p| p.category == c).count();
    report.check(
        in_category("Styles") >= 9 && in_category("Morphs") >= 1 && in_category("XY Scenes") >= 1,
        format!(
            "{} factory presets: {} Styles, {} Morphs, {} XY Scenes",
            factory.len(),
            in_category("Styles"),
            in_category("Morphs"),
            in_category("XY Scenes")
        ),
    );
    report.check(
        found.presets.iter().all(|p| {
            !p.name.is_empty()
                && !p.description.is_empty()
                && p.plugin_ids == ["clap:audio.chameleon.style-transfer"]
                && p.features.len() == 1
        }),
        "every preset has a name, a description, a category and Chameleon's plugin ID",
    );
    let from_files = factory.iter().filter(|p| p.file.is_some()).count();
    report.check(
        factory.iter().all(|p| {
            p.file.is_some()
                || p.load_key
                    .as_deref()
                    .is_some_and(|k| k.ends_with(".chpreset"))
        }),
        format!(
            "every factory preset has a file or a load key ({from_files} from installed files, {} \
             inside the plugin)",
            factory.len() - from_files
        ),
    );
    let named = |name: &str| found.presets.iter().find(|p| p.name == name).cloned();
    let user: Vec<&str> = found
        .presets
        .iter()
        .filter(|p| p.flags.is_some_and(|f| f.contains(Flags::IS_USER_CONTENT)))
        .map(|p| p.name.as_str())
        .collect();
    println!("user presets found: {user:?}");

    let morph = find(params, "Morph").id;
    let style_a = find(params, "Style A").id;
    let style_b = find(params, "Style B").id;
    let xy = find(params, "XY Pad").id;
    let mix = find(params, "Mix").id;
    let mut instance = Instance::new(entry, PLUGIN_ID).expect("instantiate");
    let dirty_before = instance.marked_dirty();
    let loaded = named("Strings to Choir").is_some_and(|p| presets::load_found(&mut instance, &p));
    instance.poll_main_thread();
    let dirty_after = instance.marked_dirty();
    report.check(
        dirty_before == 0 && dirty_after == 1,
        format!(
            "a loaded preset tells the host the project changed (mark_dirty {dirty_before} -> \
             {dirty_after}, on its main thread)"
        ),
    );
    let values = [morph, style_a, style_b, xy].map(|id| param_value(&mut instance, id));
    report.check(
        loaded
            && values[0].is_some_and(|v| (v - 0.5).abs() < 1e-6)
            && values[1] != values[2]
            && values[3] == Some(0.0),
        format!("loading the factory preset Strings to Choir sets morph 0.5 and two styles ({values:?})"),
    );
    let choir_slot = values[2].unwrap_or(-1.0);
    let loaded = named("Winds and Organ").is_some_and(|p| presets::load_found(&mut instance, &p));
    instance.poll_main_thread();
    let values = [xy, mix].map(|id| param_value(&mut instance, id));
    report.check(
        loaded && values[0] == Some(1.0) && values[1].is_some_and(|v| (v - 0.5).abs() < 1e-6),
        format!("loading the XY scene Winds and Organ turns the pad on at mix 0.5 ({values:?})"),
    );
    let refused = !presets::load(
        &mut instance,
        Location::Plugin,
        Some(c"no-such-preset.chpreset"),
    );
    report.check(refused, "an unknown load key is refused");
    let after = param_value(&mut instance, xy);
    report.check(
        after == Some(1.0),
        "a refused preset leaves the parameters as they were",
    );
    // The loaded preset works in processing.
    let session = Session::start(&mut instance, 48_000.0, 512, 2);
    report.check(session.is_ok(), "the instance activates after preset loads");
    if let Ok(session) = session {
        session.stop(&mut instance);
    }
    // Style names are the model's once it has run (as after the activation above).
    if style_names.first().is_some_and(|n| n == "String Ensemble") {
        let text = param_text(&mut instance, style_b, choir_slot);
        report.check(
            text == "Choir Aahs",
            format!("Strings to Choir's style B is the bundled model's choir ({text})"),
        );
    }
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: chameleon-clap-host PATH.clap");
        return ExitCode::from(2);
    };
    // SAFETY: loading a plugin library runs its initialisers; this is the plugin under test.
    let entry = match unsafe { PluginEntry::load(&path) } {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot load {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("loaded {path}");
    let mut report = Report::default();
    let mut rng = Rng::new(0x5eed);
    check_descriptor(&mut report, &entry);
    let mut instance = match Instance::new(&entry, PLUGIN_ID) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("cannot instantiate: {e}");
            return ExitCode::FAILURE;
        }
    };
    let params = check_params(&mut report, &mut instance);
    let session = Session::start(&mut instance, 48_000.0, 512, 2).expect("activate");
    session.stop(&mut instance);
    let style = find(&params, "Style A").id;
    let names: Vec<String> = (0..4)
        .map(|v| param_text(&mut instance, style, f64::from(v)))
        .collect();
    report.check(
        names
            .iter()
            .all(|n| !n.is_empty() && !n.starts_with("Style ")),
        format!("style parameters show the model's style names after activation: {names:?}"),
    );
    drop(instance);
    if EXPECTED_PARAMS
        .iter()
        .all(|n| params.iter().any(|p| p.name == *n))
    {
        check_latency(&mut report, &entry, &params);
        check_params_act(&mut report, &entry, &params);
        check_state(&mut report, &entry, &params, &mut rng);
        check_swap_under_load(&mut report, &entry);
        check_latency_mode_switch(&mut report, &entry, &params);
        check_presets(&mut report, &entry, &params, &names);
        check_level_safety(&mut report, &entry, &params);
        check_rates_and_blocks(&mut report, &entry, &params, &mut rng);
    }
    if report.failures.is_empty() {
        println!("all CLAP host checks passed");
        ExitCode::SUCCESS
    } else {
        println!("{} CLAP host check(s) failed:", report.failures.len());
        for f in &report.failures {
            println!("  {f}");
        }
        ExitCode::FAILURE
    }
}
