//! The editor checks' command line: `PROGRAM PLUGIN [--screenshot OUT.png]`.

/// What an editor check was asked to do.
pub struct EditorCheckArgs {
    /// The plugin bundle or file to load.
    pub plugin: String,
    /// Where to save a screenshot of the editor, if anywhere.
    pub screenshot: Option<String>,
}

impl EditorCheckArgs {
    /// Reads the process's arguments; `None` (after printing `usage`) if no plugin is named.
    pub fn from_env(usage: &str) -> Option<Self> {
        let mut args = std::env::args().skip(1);
        let mut plugin = None;
        let mut screenshot = None;
        while let Some(arg) = args.next() {
            if arg == "--screenshot" {
                screenshot = args.next();
            } else {
                plugin = Some(arg);
            }
        }
        if plugin.is_none() {
            eprintln!("usage: {usage}");
        }
        Some(Self {
            plugin: plugin?,
            screenshot,
        })
    }
}
