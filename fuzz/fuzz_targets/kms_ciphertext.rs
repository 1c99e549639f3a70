//! Fuzz target `kms_ciphertext`: see `emulator::fuzzing::kms_ciphertext`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| emulator::fuzzing::kms_ciphertext(data));
