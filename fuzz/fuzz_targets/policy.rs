//! Fuzz target `policy`: see `emulator::fuzzing::policy`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| emulator::fuzzing::policy(data));
