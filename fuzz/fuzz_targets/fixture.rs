//! Fuzz target `fixture`: see `emulator::fuzzing::fixture`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| emulator::fuzzing::fixture(data));
