//! The IAM policy engine (being written).
