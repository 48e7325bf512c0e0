//! Simulated objects back out as Kubernetes API objects (`-o json|yaml`), status included.
