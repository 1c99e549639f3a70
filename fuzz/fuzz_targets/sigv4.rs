//! Fuzz target `sigv4`: see `emulator::fuzzing::sigv4`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| emulator::fuzzing::sigv4(data));
