//! Ports and protocols (MESH1xx): how Istio classifies each Service port, and where that breaks.

pub mod catch_all_tcp_listener;
pub mod conflicting_port_protocols;
pub mod conflicting_service_entry_protocols;
pub mod evidence;
pub(crate) mod export_to;
pub mod listener_conflict;
mod passthrough;
pub mod port_name_without_protocol;
pub mod shared_tcp_port;
