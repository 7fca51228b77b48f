//! Reading one input into a [`SourceFile`].

use crate::source::SourceFile;
use std::io::Read;
use std::path::PathBuf;

/// Inputs larger than this are reported as unreadable instead of being loaded: no manifest is
/// this big, and a stray disk image or log should not take the machine's memory.
pub(super) const MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// How much of a file is searched for a NUL byte to tell binary files from text (git and
/// ripgrep use the same heuristic).
pub(super) const BINARY_SNIFF_LEN: usize = 8 * 1024;

/// Reads a file from disk; every failure becomes an unreadable [`SourceFile`].
pub(super) fn read_path(name: String, path: PathBuf) -> SourceFile {
    let bytes = std::fs::File::open(&path).and_then(|mut file| {
        // Checked before reading so a huge file is never loaded; pipes report 0 and are
        // capped while reading instead.
        let len = file.metadata()?.len();
        if len > MAX_FILE_SIZE {
            return Ok(Err(len));
        }
        read_capped(&mut file)
    });
    classify(name, Some(path), bytes)
}

/// Reads stdin as the file `-`.
pub(super) fn read_stdin(stdin: &mut dyn Read) -> SourceFile {
    classify("-".to_string(), None, read_capped(stdin))
}

/// The bytes, or `Err(size)` when there are more than [`MAX_FILE_SIZE`].
fn read_capped(reader: &mut dyn Read) -> std::io::Result<Result<Vec<u8>, u64>> {
    let mut bytes = Vec::new();
    reader.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Ok(Err(bytes.len() as u64));
    }
    Ok(Ok(bytes))
}

fn classify(
    name: String,
    path: Option<PathBuf>,
    bytes: std::io::Result<Result<Vec<u8>, u64>>,
) -> SourceFile {
    let bytes = match bytes {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(size)) => {
            let reason = format!(
                "file too large ({size} bytes or more; the limit is {MAX_FILE_SIZE} bytes)"
            );
            return SourceFile::unreadable(name, path, reason);
        }
        Err(err) => return SourceFile::unreadable(name, path, format!("cannot read: {err}")),
    };
    // UTF-16 and UTF-32 hold NUL bytes; with a byte-order mark they are text all the same.
    if crate::source::Encoding::sniff(&bytes) != crate::source::Encoding::Utf8 {
        return SourceFile::decode(name, path, bytes);
    }
    let sniff = &bytes[..bytes.len().min(BINARY_SNIFF_LEN)];
    // `contains` finds a NUL with `memchr`; text has none, so the position is rarely sought.
    if let Some(offset) = sniff
        .contains(&0)
        .then(|| sniff.iter().position(|&b| b == 0))
        .flatten()
    {
        return SourceFile::unreadable(
            name,
            path,
            format!("binary file (NUL byte at offset {offset})"),
        );
    }
    SourceFile::from_bytes(name, path, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_byte_within_the_sniff_window_makes_a_binary_file() {
        let file = classify("b".into(), None, Ok(Ok(b"ab\0cd".to_vec())));
        assert_eq!(
            file.unreadable.as_deref(),
            Some("binary file (NUL byte at offset 2)")
        );
        assert_eq!(&*file.text, "");
    }

    #[test]
    fn nul_byte_after_the_sniff_window_is_text() {
        let mut bytes = vec![b'a'; BINARY_SNIFF_LEN];
        bytes.push(0);
        let file = classify("t".into(), None, Ok(Ok(bytes)));
        assert_eq!(file.unreadable, None);
        assert_eq!(file.text.len(), BINARY_SNIFF_LEN + 1);
    }

    #[test]
    fn oversized_input_is_unreadable_without_keeping_it() {
        let file = classify("big".into(), None, Ok(Err(MAX_FILE_SIZE + 1)));
        let reason = file.unreadable.unwrap();
        assert!(reason.starts_with("file too large"), "{reason}");
    }

    #[test]
    fn read_errors_become_unreadable_files() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("boom"))
            }
        }
        let file = read_stdin(&mut Failing);
        assert_eq!(file.name, "-");
        assert_eq!(file.path, None);
        assert_eq!(file.unreadable.as_deref(), Some("cannot read: boom"));
    }
}
