//! The style names of the loaded model, shared with parameter formatters and the editor.
//!
//! The list is replaced off the audio thread whenever a model is loaded, and read without locks
//! (an [`ArcSwap`]) by the style parameters' value formatters, the editor and the host.

use std::sync::Arc;

use arc_swap::ArcSwap;
use chameleon_dsp::StyleInfo;

/// The styles of the model in use, readable from any thread without locking.
pub struct StyleNames {
    styles: ArcSwap<Vec<StyleInfo>>,
}

impl Default for StyleNames {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl StyleNames {
    /// A list holding `styles`.
    pub fn new(styles: Vec<StyleInfo>) -> Self {
        Self {
            styles: ArcSwap::from_pointee(styles),
        }
    }

    /// Replaces the list (never call this on the audio thread: the old list may be freed here).
    pub fn set(&self, styles: Vec<StyleInfo>) {
        self.styles.store(Arc::new(styles));
    }

    /// The current list.
    pub fn load(&self) -> Arc<Vec<StyleInfo>> {
        self.styles.load_full()
    }

    /// Number of styles in the current list.
    pub fn len(&self) -> usize {
        self.styles.load().len()
    }

    /// Whether no model has published its styles yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Display text for style slot `index`: the style's display name, or a note that the slot is
    /// not used by the current model.
    pub fn display(&self, index: i32) -> String {
        let styles = self.styles.load();
        match usize::try_from(index).ok().and_then(|i| styles.get(i)) {
            Some(style) => style.display_name.clone(),
            None if styles.is_empty() => format!("Style {}", index + 1),
            // The engine clamps out-of-range slots to the last style.
            None => format!(
                "{} (slot {} unused)",
                styles.last().map(|s| s.display_name.as_str()).unwrap_or(""),
                index + 1
            ),
        }
    }

    /// Parses a style from its identifier, display name (case-insensitive) or 1-based number.
    pub fn parse(&self, text: &str) -> Option<i32> {
        let text = text.trim();
        let styles = self.styles.load();
        if let Some(i) = styles.iter().position(|s| {
            s.id.eq_ignore_ascii_case(text) || s.display_name.eq_ignore_ascii_case(text)
        }) {
            return i32::try_from(i).ok();
        }
        let number: i32 = text.strip_prefix("Style ").unwrap_or(text).parse().ok()?;
        Some(number - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_loaded_model() {
        let names = StyleNames::default();
        assert_eq!(names.display(2), "Style 3");
        names.set(vec![
            StyleInfo::new("warm", "Warm"),
            StyleInfo::new("tel", "Telephone"),
        ]);
        assert_eq!(names.display(1), "Telephone");
        assert_eq!(names.display(5), "Telephone (slot 6 unused)");
        assert_eq!(names.parse("warm"), Some(0));
        assert_eq!(names.parse("TELEPHONE"), Some(1));
        assert_eq!(names.parse("4"), Some(3));
        assert_eq!(names.parse("nonsense"), None);
    }
}
