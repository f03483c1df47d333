//! `chameleon-render`: Chameleon's engine, offline, over a WAV file. See `chameleon::render`.

use std::io::IsTerminal;
use std::process::ExitCode;

use chameleon::presets::{factory_presets, presets_in, user_preset_dir, PresetSource};
use chameleon::render::{
    choose_model, list_styles, read_wav, render, write_wav, RenderError, RenderOptions,
};
use indicatif::{ProgressBar, ProgressStyle};

/// `--list-presets`: the factory presets, then the user's, one per line (file, category, name)
/// or as one JSON object.
fn print_presets(json: bool) {
    let mut all = factory_presets();
    let mut errors = Vec::new();
    let user_dir = user_preset_dir();
    if let Some(dir) = &user_dir {
        let (found, bad) = presets_in(dir);
        all.extend(found);
        errors = bad;
    }
    let rows: Vec<(String, String, &str, &str, &str)> = all
        .iter()
        .map(|e| {
            let (kind, file) = match &e.source {
                PresetSource::Factory(file) => ("factory".to_owned(), (*file).to_owned()),
                PresetSource::User(path) => ("user".to_owned(), path.display().to_string()),
            };
            (
                kind,
                file,
                e.preset.category.as_str(),
                e.preset.name.as_str(),
                e.preset.description.as_str(),
            )
        })
        .collect();
    if json {
        let list: Vec<_> = rows
            .iter()
            .map(|(kind, file, category, name, description)| {
                serde_json::json!({ "source": kind, "file": file, "category": category,
                                    "name": name, "description": description })
            })
            .collect();
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        println!(
            "{}",
            serde_json::json!({ "presets": list, "user_folder": user_dir.map(|d| d.display().to_string()),
                                "unreadable": errors })
        );
    } else {
        for (kind, file, category, name, _) in &rows {
            println!("{kind}\t{category}\t{name}\t{file}");
        }
        for e in &errors {
            eprintln!("chameleon-render: warning: {e}");
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chameleon-render: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), RenderError> {
    let options = RenderOptions::parse(args)?;
    if options.list_presets {
        print_presets(options.json);
        return Ok(());
    }
    // Read the input first, so a bad file is reported before any model is loaded.
    let input = match &options.input {
        Some(path) => Some(read_wav(path)?),
        None => None,
    };
    let chosen = choose_model(&options)?;
    if let Some(warning) = &chosen.warning {
        eprintln!("chameleon-render: warning: {warning}");
    }
    if options.list_styles {
        let styles = list_styles(chosen.model.as_ref());
        if options.json {
            let list: Vec<_> = styles
                .iter()
                .map(|(id, name)| serde_json::json!({ "id": id, "name": name }))
                .collect();
            let d = chosen.model.description();
            println!(
                "{}",
                serde_json::json!({ "model": format!("{} {}", d.name, d.version),
                                    "provider": d.provider, "styles": list })
            );
        } else {
            for (id, name) in styles {
                println!("{id}\t{name}");
            }
        }
        return Ok(());
    }
    let (Some((input, sample_rate)), Some(output_path)) = (input, &options.output) else {
        return Err(RenderError("expected INPUT.wav and OUTPUT.wav".into()));
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(1000);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {percent:>3}% {elapsed_precise} ETA {eta}")
                .map_err(|e| RenderError(e.to_string()))?,
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let (output, report) = render(&input, sample_rate, chosen, &options, |fraction| {
        bar.set_position((fraction * 1000.0) as u64)
    })?;
    bar.finish_and_clear();
    write_wav(output_path, &output, sample_rate)?;
    if options.json {
        println!("{}", report.to_json(&options));
    } else {
        eprintln!(
            "rendered {} frames at {} Hz with {} ({}), style {} -> {}, latency {} samples, {} \
             missed hops, {:.1}x real time",
            report.frames,
            report.sample_rate,
            report.model,
            report.provider,
            report.style.0,
            report.style.1,
            report.latency_samples,
            report.missed_frames,
            report.realtime_factor
        );
    }
    Ok(())
}
