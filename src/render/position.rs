use crate::source::SourceFile;
use serde::Serialize;

/// A resolved position: 1-based line, 1-based column in Unicode scalar values, 0-based byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub offset: u32,
}

impl Position {
    pub fn of(file: &SourceFile, offset: u32) -> Position {
        let (line, column) = file.line_col(offset);
        Position {
            line,
            column,
            offset,
        }
    }
}
