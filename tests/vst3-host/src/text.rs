//! Strings in the forms the VST3 interfaces carry them.

use std::ffi::c_char;

/// A NUL-terminated UTF-16 string (`String128`) as a Rust string.
pub fn from_utf16(chars: &[u16]) -> String {
    let end = chars.iter().position(|&c| c == 0).unwrap_or(chars.len());
    String::from_utf16_lossy(&chars[..end])
}

/// Writes `text` into `out` as NUL-terminated UTF-16, cut to fit.
pub fn to_utf16(text: &str, out: &mut [u16]) {
    let Some(room) = out.len().checked_sub(1) else {
        return;
    };
    let mut n = 0;
    for (slot, c) in out.iter_mut().zip(text.encode_utf16().take(room)) {
        *slot = c;
        n += 1;
    }
    out[n] = 0;
}

/// A NUL-terminated 8-bit string in a fixed array (`char8[N]`) as a Rust string.
pub fn from_c_chars(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_round_trip_and_cut_to_fit() {
        let mut buf = [0xffffu16; 8];
        to_utf16("Morph", &mut buf);
        assert_eq!(from_utf16(&buf), "Morph");
        to_utf16("a longer title", &mut buf);
        assert_eq!(from_utf16(&buf), "a longe");
        assert_eq!(buf[7], 0);
        to_utf16("x", &mut []);
    }

    #[test]
    fn c_chars_stop_at_nul() {
        let chars: Vec<c_char> = b"Audio Module Class\0junk"
            .iter()
            .map(|&b| b as c_char)
            .collect();
        assert_eq!(from_c_chars(&chars), "Audio Module Class");
    }
}
