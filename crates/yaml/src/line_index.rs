/// Line starts of one file, for turning byte offsets into line and column.
///
/// `\n`, `\r\n` and a lone `\r` each end a line (CRLF counts once). Columns count Unicode scalar
/// values, 1-based; a column is computed on demand from the line start, so building the index is
/// one pass and each lookup is a binary search plus a scan of one line.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        todo!("line starts for {}", text.len())
    }

    /// 1-based line and 1-based column (Unicode scalar values) of `offset`. An offset at or past
    /// the end maps to the end of the last line; an offset inside a CRLF or inside a multi-byte
    /// character maps to that character.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        todo!("{} {offset}", text.len())
    }

    /// Byte offset where 1-based `line` starts (clamped to the last line).
    pub fn line_start(&self, line: u32) -> u32 {
        todo!("{line}")
    }

    pub fn line_count(&self) -> u32 {
        self.starts.len() as u32
    }
}
