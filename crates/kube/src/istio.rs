//! Hand-written Istio structs: only the fields mesh-lint reads. Unknown fields are ignored, so
//! these stay valid across Istio API versions (v1alpha3, v1beta1, v1).
