//! The command parser: never panics, and every accepted command re-serialises to JSON that
//! parses to the same command.
#![no_main]
use libfuzzer_sys::fuzz_target;
use paycore::api::parse_command;

fuzz_target!(|data: &[u8]| {
    if let Ok(cmd) = parse_command(data) {
        let json = serde_json::to_vec(&cmd).expect("commands serialise");
        assert_eq!(parse_command(&json).expect("round trip"), cmd);
    }
});
