use super::RenderContext;
use crate::diagnostic::Diagnostic;
use std::io::{self, Write};

pub fn render(
    diagnostics: &[Diagnostic],
    ctx: &RenderContext<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    todo!("{} {} {:p}", diagnostics.len(), ctx.files.len(), out)
}
