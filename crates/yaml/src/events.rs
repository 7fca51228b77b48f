//! The only module that talks to the event parser (granit-parser). Everything else sees our own
//! event type, so the parser can be swapped (saphyr-parser is the fallback; it reports char
//! offsets, convert them).
