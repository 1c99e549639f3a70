//! Link options of the `emulator` binary alone (the library, tests and other packages are
//! linked as cargo links them).
//!
//! Packed relative relocations (`DT_RELR`, `-z pack-relative-relocs`): a position-
//! independent executable carries one 24-byte record per pointer to relocate at start
//! (about 16,000 here, 380 KB), and the loader reads them all, so they stay in the
//! process's resident memory; packed, they take a few kilobytes. The emulator keeps its
//! address-space randomisation (still a PIE). GNU ld (2.38+), lld and mold accept the
//! option; glibc 2.36+ applies it, and GNU ld leaves it out when the C library linked
//! against cannot.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bin=emulator=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
