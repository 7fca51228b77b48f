//! Ports and protocols (MESH1xx): how Istio classifies each Service port, and where that breaks.

pub mod evidence;
pub mod port_name_without_protocol;
