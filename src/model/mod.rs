//! Typed objects and the mesh index, built once from all parsed documents.

mod context;
pub mod host_refs;
pub mod hosts;
mod index;
pub mod istio_services;
pub mod listeners;
mod object;
pub mod protocol;
pub mod routing;
pub mod scopes;
pub mod sidecar_scope;
pub mod visibility;
mod workload;

pub use context::{IstioVersion, LintContext, MeshConfig, Origin};
pub use index::{InvalidObject, IstioObject, MeshIndex, NamespaceInfo, ServiceInfo};
pub use object::{is_system_namespace, Object, ObjectRef};
pub use workload::{Workload, WORKLOAD_KINDS};
