//! Typed objects and the mesh index, built once from all parsed documents.

pub mod catalogue;
mod context;
pub mod gateways;
pub mod host_refs;
pub mod hosts;
mod index;
pub mod injection;
pub mod istio_services;
pub mod key_index;
pub mod kustomize;
pub mod lifecycle;
pub mod listeners;
mod object;
pub mod peer_authn;
pub mod protocol;
pub mod proxy_config;
pub mod routing;
pub mod scopes;
pub mod selectors;
pub mod sidecar_scope;
mod typed;
pub mod visibility;
mod workload;

pub use context::{
    IstioVersion, LintContext, MeshConfig, NativeSidecars, Origin, ProxyConfig as MeshProxyConfig,
    COMPLETE_INPUTS_NOTE,
};
pub use index::{
    InvalidObject, IstioObject, MeshIndex, NamespaceInfo, ServiceInfo, ServicePortView, ServiceView,
};
pub use object::{is_system_namespace, owned_string_map, Object, ObjectRef, StrMap};
pub use workload::{ContainerView, Labels, Workload, WORKLOAD_KINDS};
