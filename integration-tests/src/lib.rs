//! Shared nothing: this crate exists for its end-to-end test binary in `tests/`.
