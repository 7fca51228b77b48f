/// The arena behind a [`crate::Document`]. Private layout; read it through [`crate::Node`].
#[derive(Debug, Default)]
pub(crate) struct Tree {}
