//! Input rules: what cannot be read, or read as the kind it claims to be.

pub mod invalid_object;
pub mod invalid_yaml;
pub mod underindented_quoted_scalar;
