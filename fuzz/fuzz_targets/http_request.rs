//! Fuzz target `http_request`: see `emulator::fuzzing::http_request`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| emulator::fuzzing::http_request(data));
