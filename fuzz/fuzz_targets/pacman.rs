//! Fuzzes the pacman `desc` and `files` readers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = interdict_formats::pacman::parse_pacman_desc(data);
    let _ = interdict_formats::pacman::parse_pacman_files(data);
});
