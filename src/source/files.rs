use super::Encoding;
use mesh_lint_yaml::LineIndex;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Index of a file in [`Files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// One input's text, as it is on disk.
///
/// Invalid UTF-8 bytes are replaced one-for-one by `?` in `text`, so byte offsets still match
/// the file; `invalid_utf8` keeps the offset of each replaced byte so the documents holding them
/// can be reported instead of linted.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative as given, or `-` for stdin).
    pub name: String,
    /// The path to write fixes to; `None` for stdin.
    pub path: Option<PathBuf>,
    pub text: Arc<str>,
    /// Built on first use: positions are needed when findings are rendered, after the trees of
    /// a large run are gone, not while every file's tree is held.
    line_index: OnceLock<LineIndex>,
    pub invalid_utf8: Vec<u32>,
    /// Why the file could not be read as text (binary content, read error); `text` is empty then.
    pub unreadable: Option<String>,
    /// The encoding on disk; for UTF-16/UTF-32 `text` is the decoded text (without its BOM)
    /// and offsets are offsets into it.
    pub encoding: Encoding,
}

impl SourceFile {
    /// Builds a file from raw bytes, sanitising invalid UTF-8 as described on the type.
    pub fn from_bytes(name: String, path: Option<PathBuf>, bytes: Vec<u8>) -> SourceFile {
        let (text, invalid_utf8) = match String::from_utf8(bytes) {
            Ok(text) => (text, Vec::new()),
            Err(err) => sanitize(err.into_bytes()),
        };
        SourceFile {
            name,
            path,
            text: Arc::from(text),
            line_index: OnceLock::new(),
            invalid_utf8,
            unreadable: None,
            encoding: Encoding::Utf8,
        }
    }

    /// Builds a file from bytes in any encoding [`Encoding::sniff`] recognises; a UTF-16/UTF-32
    /// file that does not decode is unreadable.
    pub fn decode(name: String, path: Option<PathBuf>, bytes: Vec<u8>) -> SourceFile {
        let encoding = Encoding::sniff(&bytes);
        if encoding == Encoding::Utf8 {
            return SourceFile::from_bytes(name, path, bytes);
        }
        match encoding.decode(&bytes) {
            Ok(text) => SourceFile {
                encoding,
                ..SourceFile::from_bytes(name, path, text.into_bytes())
            },
            Err(reason) => SourceFile::unreadable(name, path, reason),
        }
    }

    /// `text` as bytes for this file's encoding (what `--fix` writes).
    pub fn encode(&self, text: &str) -> Vec<u8> {
        self.encoding.encode(text)
    }

    /// A file that exists but cannot be linted as text; reported as MESH001 at its start.
    pub fn unreadable(name: String, path: Option<PathBuf>, reason: String) -> SourceFile {
        SourceFile {
            name,
            path,
            text: Arc::from(""),
            line_index: OnceLock::new(),
            invalid_utf8: Vec::new(),
            unreadable: Some(reason),
            encoding: Encoding::Utf8,
        }
    }

    /// The file's line starts, built on first use.
    pub fn line_index(&self) -> &LineIndex {
        self.line_index.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line and column (Unicode scalar values) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (u32, u32) {
        self.line_index().line_col(&self.text, offset)
    }
}

fn sanitize(mut bytes: Vec<u8>) -> (String, Vec<u32>) {
    let mut invalid = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        match std::str::from_utf8(&bytes[pos..]) {
            Ok(_) => break,
            Err(e) => {
                let bad_start = pos + e.valid_up_to();
                let bad_len = e.error_len().unwrap_or(bytes.len() - bad_start);
                for (i, b) in bytes[bad_start..bad_start + bad_len].iter_mut().enumerate() {
                    *b = b'?';
                    invalid.push((bad_start + i) as u32);
                }
                pos = bad_start + bad_len;
            }
        }
    }
    // Every invalid byte became ASCII, so this cannot fail.
    let text = String::from_utf8(bytes).unwrap_or_default();
    (text, invalid)
}

/// All inputs of one run; diagnostics refer to files by [`FileId`].
#[derive(Debug, Default)]
pub struct Files {
    files: Vec<SourceFile>,
}

impl Files {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

impl Files {
    /// Swaps in a file's new contents after fixes were written.
    pub fn replace(&mut self, id: FileId, file: SourceFile) {
        self.files[id.0 as usize] = file;
    }
}
