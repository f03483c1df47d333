//! Chameleon presets as VST3 preset files (`.vstpreset`), for the preset browsers of VST3 hosts.
//!
//! A `.vstpreset` file holds a 48-byte header (`VST3`, format version 1, the processor's class
//! ID as 32 hexadecimal characters, the offset of the chunk list), the chunks, and the chunk
//! list (`List`, then each chunk's ID, offset and size). Chameleon writes two chunks:
//! - `Comp`: the component state, in the JSON form the plugin's VST3 `setState` reads, holding
//!   only the parameters the preset sets (the others, bypass and the model choice stay as
//!   they are);
//! - `Info`: the standard XML meta information (media type, plug-in name and category).
//!
//! Styles are stored as slots, so a file is made for one model: the installer writes them for
//! the bundled model.

use std::collections::BTreeMap;

use nice_plug::plugin::PluginState;

use crate::presets::Preset;

/// File extension of VST3 preset files (without the dot).
pub const EXTENSION: &str = "vstpreset";

/// The VST3 processor class ID (the plugin's `VST3_CLASS_ID`).
pub const CLASS_ID: [u8; 16] = *b"ChameleonStyleFx";

/// The class ID as the 32 hexadecimal characters preset files carry. On Windows VST3 class IDs
/// are COM GUIDs, whose first three fields are read as little-endian numbers, so their bytes are
/// printed in another order there.
pub fn class_id_text(windows: bool) -> String {
    let mut bytes = CLASS_ID;
    if windows {
        bytes[0..4].reverse();
        bytes[4..6].reverse();
        bytes[6..8].reverse();
    }
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The `Comp` chunk: the preset's values as a plugin state, as JSON.
pub fn component_state(preset: &Preset, slots: [i32; 6]) -> Vec<u8> {
    let state = PluginState {
        version: String::new(),
        params: preset
            .param_values(slots)
            .into_iter()
            .map(|(id, value)| (id.to_owned(), value))
            .collect::<BTreeMap<_, _>>(),
        fields: BTreeMap::new(),
    };
    serde_json::to_vec(&state).unwrap_or_default()
}

/// The `Info` chunk: VST3 preset meta information (XML).
fn meta_info(preset: &Preset) -> Vec<u8> {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<MetaInfo>\n\
         \t<Attr id=\"MediaType\" value=\"VstPreset\" type=\"string\" flags=\"writeProtected\"/>\n\
         \t<Attr id=\"PlugInName\" value=\"Chameleon\" type=\"string\" flags=\"writeProtected\"/>\n\
         \t<Attr id=\"PlugInCategory\" value=\"Fx|Filter|Stereo\" type=\"string\" flags=\"writeProtected\"/>\n\
         \t<Attr id=\"MusicalCategory\" value=\"{}\" type=\"string\" flags=\"\"/>\n\
         \t<Attr id=\"Comment\" value=\"{}\" type=\"string\" flags=\"\"/>\n\
         </MetaInfo>\n",
        escape(&preset.category),
        escape(&preset.description)
    )
    .into_bytes()
}

/// The whole `.vstpreset` file for `preset` with its styles at `slots`.
pub fn encode(preset: &Preset, slots: [i32; 6], windows: bool) -> Vec<u8> {
    const HEADER: usize = 4 + 4 + 32 + 8;
    let chunks = [
        (*b"Comp", component_state(preset, slots)),
        (*b"Info", meta_info(preset)),
    ];
    let data_size: usize = chunks.iter().map(|(_, d)| d.len()).sum();
    let mut out = Vec::with_capacity(HEADER + data_size + 64);
    out.extend_from_slice(b"VST3");
    out.extend_from_slice(&1i32.to_le_bytes());
    out.extend_from_slice(class_id_text(windows).as_bytes());
    out.extend_from_slice(&((HEADER + data_size) as i64).to_le_bytes());
    let mut entries = Vec::new();
    for (id, data) in &chunks {
        entries.push((*id, out.len() as i64, data.len() as i64));
        out.extend_from_slice(data);
    }
    out.extend_from_slice(b"List");
    out.extend_from_slice(&(entries.len() as i32).to_le_bytes());
    for (id, offset, size) in entries {
        out.extend_from_slice(&id);
        out.extend_from_slice(&offset.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
    }
    out
}

/// The `Comp` chunk of a `.vstpreset` file, if it is one.
pub fn component_chunk(file: &[u8]) -> Option<&[u8]> {
    if file.get(0..4)? != b"VST3" {
        return None;
    }
    let list_at = usize::try_from(i64::from_le_bytes(file.get(40..48)?.try_into().ok()?)).ok()?;
    if file.get(list_at..list_at + 4)? != b"List" {
        return None;
    }
    let count = i32::from_le_bytes(file.get(list_at + 4..list_at + 8)?.try_into().ok()?);
    for i in 0..usize::try_from(count).ok()? {
        let at = list_at + 8 + i * 20;
        let entry = file.get(at..at + 20)?;
        if &entry[0..4] == b"Comp" {
            let offset = usize::try_from(i64::from_le_bytes(entry[4..12].try_into().ok()?)).ok()?;
            let size = usize::try_from(i64::from_le_bytes(entry[12..20].try_into().ok()?)).ok()?;
            return file.get(offset..offset + size);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::FACTORY;

    #[test]
    fn the_class_id_is_the_plugins_in_both_byte_orders() {
        assert_eq!(class_id_text(false), "4368616D656C656F6E5374796C654678");
        assert_eq!(class_id_text(true), "6D6168436C656F656E5374796C654678");
    }

    #[test]
    fn a_preset_file_carries_the_preset_state_in_its_component_chunk() {
        let preset = Preset::parse(FACTORY[9].1).unwrap();
        let file = encode(&preset, [0, 7, 0, 1, 2, 3], false);
        assert_eq!(&file[0..4], b"VST3");
        assert_eq!(&file[8..40], class_id_text(false).as_bytes());
        let chunk = component_chunk(&file).expect("a Comp chunk");
        let state: PluginState = serde_json::from_slice(chunk).unwrap();
        assert_eq!(state.params.len(), 13);
        assert!(matches!(
            state.params["style_b"],
            nice_plug::plugin::ParamValue::I32(7)
        ));
        assert!(matches!(state.params["morph"], nice_plug::plugin::ParamValue::F32(m) if m == 0.5));
        assert!(!state.params.contains_key("bypass"));
    }
}
