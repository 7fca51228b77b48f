//! UTF-16 and UTF-32 manifests with a byte-order mark (what Windows PowerShell 5 writes with
//! `>`): kubectl decodes them (apimachinery's YAML reader detects the BOM), so mesh-lint does
//! too. Positions are those of the decoded text; fixes are written back in the file's encoding.

/// A file's encoding on disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a BOM (a UTF-8 BOM stays in the text, as `\u{feff}`).
    #[default]
    Utf8,
    Utf16Le,
    Utf16Be,
    Utf32Le,
    Utf32Be,
}

impl Encoding {
    /// The encoding a byte-order mark at the start of `bytes` announces. UTF-32LE is checked
    /// before UTF-16LE, whose BOM is its prefix.
    pub fn sniff(bytes: &[u8]) -> Encoding {
        match bytes {
            [0xFF, 0xFE, 0, 0, ..] => Encoding::Utf32Le,
            [0, 0, 0xFE, 0xFF, ..] => Encoding::Utf32Be,
            [0xFF, 0xFE, ..] => Encoding::Utf16Le,
            [0xFE, 0xFF, ..] => Encoding::Utf16Be,
            _ => Encoding::Utf8,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Utf32Le => "UTF-32LE",
            Encoding::Utf32Be => "UTF-32BE",
        }
    }

    fn bom_len(self) -> usize {
        match self {
            Encoding::Utf8 => 0,
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            Encoding::Utf32Le | Encoding::Utf32Be => 4,
        }
    }

    /// The text of a UTF-16/UTF-32 file without its BOM; `Err` says where the encoding breaks.
    /// Not for UTF-8, which [`crate::source::SourceFile::from_bytes`] reads byte for byte.
    pub fn decode(self, bytes: &[u8]) -> Result<String, String> {
        let body = &bytes[self.bom_len().min(bytes.len())..];
        let bad = |at: usize| {
            format!(
                "invalid {} at byte {} (the file starts with a {} byte-order mark)",
                self.name(),
                at + self.bom_len(),
                self.name()
            )
        };
        match self {
            Encoding::Utf8 => {
                String::from_utf8(bytes.to_vec()).map_err(|e| bad(e.utf8_error().valid_up_to()))
            }
            Encoding::Utf16Le | Encoding::Utf16Be => {
                if body.len() % 2 != 0 {
                    return Err(bad(body.len() - 1));
                }
                let units = body.chunks_exact(2).map(|c| match self {
                    Encoding::Utf16Le => u16::from_le_bytes([c[0], c[1]]),
                    _ => u16::from_be_bytes([c[0], c[1]]),
                });
                let mut out = String::with_capacity(body.len() / 2);
                for (i, ch) in char::decode_utf16(units).enumerate() {
                    out.push(ch.map_err(|_| bad(i * 2))?);
                }
                Ok(out)
            }
            Encoding::Utf32Le | Encoding::Utf32Be => {
                if body.len() % 4 != 0 {
                    return Err(bad(body.len() - body.len() % 4));
                }
                let mut out = String::with_capacity(body.len() / 4);
                for (i, c) in body.chunks_exact(4).enumerate() {
                    let raw = [c[0], c[1], c[2], c[3]];
                    let unit = match self {
                        Encoding::Utf32Le => u32::from_le_bytes(raw),
                        _ => u32::from_be_bytes(raw),
                    };
                    out.push(char::from_u32(unit).ok_or_else(|| bad(i * 4))?);
                }
                Ok(out)
            }
        }
    }

    /// `text` as bytes in this encoding, with the BOM it was read with.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * self.bom_len().max(1));
        match self {
            Encoding::Utf8 => out.extend_from_slice(text.as_bytes()),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                for unit in std::iter::once(0xFEFF).chain(text.encode_utf16()) {
                    out.extend_from_slice(&match self {
                        Encoding::Utf16Le => unit.to_le_bytes(),
                        _ => unit.to_be_bytes(),
                    });
                }
            }
            Encoding::Utf32Le | Encoding::Utf32Be => {
                for ch in std::iter::once('\u{feff}').chain(text.chars()) {
                    out.extend_from_slice(&match self {
                        Encoding::Utf32Le => (ch as u32).to_le_bytes(),
                        _ => (ch as u32).to_be_bytes(),
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "kind: Service # café ✓ 𝄞\r\nmetadata: {name: a}\n";

    #[test]
    fn round_trips_every_encoding() {
        for enc in [
            Encoding::Utf16Le,
            Encoding::Utf16Be,
            Encoding::Utf32Le,
            Encoding::Utf32Be,
        ] {
            let bytes = enc.encode(TEXT);
            assert_eq!(Encoding::sniff(&bytes), enc, "{enc:?}");
            assert_eq!(enc.decode(&bytes).unwrap(), TEXT, "{enc:?}");
        }
        assert_eq!(Encoding::sniff(TEXT.as_bytes()), Encoding::Utf8);
    }

    #[test]
    fn broken_input_says_where() {
        let mut bytes = Encoding::Utf16Le.encode("ab");
        bytes.extend_from_slice(&[0x00, 0xD8]); // a lone high surrogate
        let err = Encoding::Utf16Le.decode(&bytes).unwrap_err();
        assert!(err.contains("UTF-16LE at byte 6"), "{err}");
        let err = Encoding::Utf32Be
            .decode(&[0, 0, 0xFE, 0xFF, 0, 0x11, 0, 0])
            .unwrap_err();
        assert!(err.contains("UTF-32BE at byte 4"), "{err}");
    }
}
