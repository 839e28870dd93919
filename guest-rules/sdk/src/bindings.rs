//! Bindings generated from the `ferrule:detect` WIT package.
//!
//! Rules do not use these directly: the rest of the SDK wraps them. They are
//! public only because [`export_rule!`](crate::export_rule) expands in the
//! rule's crate and must name them.

wit_bindgen::generate!({
    path: "../../wit",
    world: "detection-rule",
    pub_export_macro: true,
    export_macro_name: "__export_detection_rule",
    default_bindings_module: "ferrule_sdk::bindings",
});
