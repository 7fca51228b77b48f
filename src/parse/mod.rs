//! Documents from files.
