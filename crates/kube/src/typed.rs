use k8s_openapi::api::core::v1::{Namespace, PodTemplateSpec, Service};
use mesh_lint_yaml::{Budget, DeError, Node};

/// A `v1/Service` object.
pub fn service(node: Node<'_>, budget: &mut Budget) -> Result<Service, DeError> {
    node.deserialize(budget)
}

/// A `v1/Namespace` object.
pub fn namespace(node: Node<'_>, budget: &mut Budget) -> Result<Namespace, DeError> {
    node.deserialize(budget)
}

/// A pod template (`metadata` + `spec`). A Pod object deserializes as one too: its other
/// top-level fields are ignored.
pub fn pod_template(node: Node<'_>, budget: &mut Budget) -> Result<PodTemplateSpec, DeError> {
    node.deserialize(budget)
}

/// The `spec` of a ServiceEntry.
pub fn service_entry<'a>(
    spec: Node<'a>,
    budget: &mut Budget,
) -> Result<crate::istio::ServiceEntrySpec<'a>, DeError> {
    spec.deserialize(budget)
}

/// The `spec` of a VirtualService.
pub fn virtual_service<'a>(
    spec: Node<'a>,
    budget: &mut Budget,
) -> Result<crate::istio::VirtualServiceSpec<'a>, DeError> {
    spec.deserialize(budget)
}

/// The `spec` of a DestinationRule.
pub fn destination_rule<'a>(
    spec: Node<'a>,
    budget: &mut Budget,
) -> Result<crate::istio::DestinationRuleSpec<'a>, DeError> {
    spec.deserialize(budget)
}

/// The `spec` of a Sidecar.
pub fn sidecar<'a>(
    spec: Node<'a>,
    budget: &mut Budget,
) -> Result<crate::istio::SidecarSpec<'a>, DeError> {
    spec.deserialize(budget)
}
