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
        let bytes = text.as_bytes();
        // Most files end lines with `\n` alone: then every line start follows a `\n`, found by
        // SIMD search rather than a look at every byte.
        if memchr::memchr(b'\r', bytes).is_none() {
            let breaks = memchr::memchr_iter(b'\n', bytes).count();
            let mut starts = Vec::with_capacity(breaks + 1);
            starts.push(0);
            starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i as u32 + 1));
            return LineIndex { starts };
        }
        // Every file's index lives until the report: allocate it once at its size (an upper
        // bound: `\r\n` counts twice here, once below) instead of with doubling's slack.
        let breaks = bytes.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
        let mut starts = Vec::with_capacity(breaks + 1);
        starts.push(0);
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i as u32 + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i as u32 + 1),
                _ => {}
            }
            i += 1;
        }
        starts.shrink_to_fit();
        LineIndex { starts }
    }

    /// 1-based line and 1-based column (Unicode scalar values) of `offset`. An offset past the
    /// end is clamped to the end; an offset inside a multi-byte character maps to that character.
    pub fn line_col(&self, text: &str, offset: u32) -> (u32, u32) {
        let offset = offset.min(text.len() as u32);
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line] as usize;
        let prefix = &text.as_bytes()[start..offset as usize];
        // Count char starts (non-continuation bytes): works even mid-character.
        let column = prefix.iter().filter(|&&b| (b as i8) >= -0x40).count();
        (line as u32 + 1, column as u32 + 1)
    }

    /// Byte offset where 1-based `line` starts (clamped to the first and last line).
    pub fn line_start(&self, line: u32) -> u32 {
        let idx = (line.max(1) as usize - 1).min(self.starts.len() - 1);
        self.starts[idx]
    }

    pub fn line_count(&self) -> u32 {
        self.starts.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn lf_crlf_and_cr_each_end_one_line() {
        let text = "a\nb\r\nc\rd";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 4);
        assert_eq!(idx.line_col(text, 0), (1, 1));
        assert_eq!(idx.line_col(text, 2), (2, 1));
        assert_eq!(idx.line_col(text, 5), (3, 1));
        assert_eq!(idx.line_col(text, 7), (4, 1));
        assert_eq!(idx.line_start(3), 5);
    }

    #[test]
    fn lf_only_text_indexes_as_with_a_carriage_return_elsewhere() {
        // The `\n`-only fast path and the general one give the same starts.
        for text in ["", "\n", "a", "a\n", "a\nb", "\n\nab\n\nc\n", "é\n€\n😀"] {
            let fast = LineIndex::new(text);
            let general = LineIndex::new(&format!("{text}\r"));
            assert_eq!(
                fast.starts[..],
                general.starts[..fast.starts.len()],
                "{text:?}"
            );
            assert_eq!(general.starts.len(), fast.starts.len() + 1, "{text:?}");
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "é€😀: port\n";
        let idx = LineIndex::new(text);
        let port = text.find("port").unwrap() as u32;
        assert_eq!(idx.line_col(text, port), (1, 6));
    }

    #[test]
    fn offsets_past_the_end_clamp() {
        let text = "ab\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 99), (2, 1));
        assert_eq!(idx.line_col("", 0), (1, 1));
    }
}
