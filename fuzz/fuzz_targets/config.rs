#![no_main]
// The checks live in passgate::fuzz, shared with the stable runner
// (tests/it/fuzz.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| passgate::fuzz::config(data));
