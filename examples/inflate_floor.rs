//! The physical floor of `crash-free` on gzip input, for `scripts/bench`: inflate each file into
//! a sink with the same flate2/zlib-rs build and the same reader setup as vitals (a 256 KiB
//! buffered file, `MultiGzDecoder`, 1 MiB reads), one file after another, and nothing else.
//!
//! `cargo run --release --example inflate_floor -- FILE...` prints one line of JSON:
//! `{"files": N, "seconds": S, "compressed_bytes": C, "inflated_bytes": I}` where S is the sum
//! of the per-file inflate times (serial, one core): the bench divides it by the cores for the
//! many-shard floor.

use std::fs::File;
use std::io::{BufReader, Read};
use std::time::Instant;

use flate2::bufread::MultiGzDecoder;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: inflate_floor FILE...");
        std::process::exit(2);
    }
    let mut buf = vec![0u8; 1 << 20];
    let (mut seconds, mut compressed, mut inflated) = (0.0, 0u64, 0u64);
    for path in &files {
        let file = File::open(path).unwrap_or_else(|e| {
            eprintln!("inflate_floor: {path}: {e}");
            std::process::exit(2)
        });
        compressed += file.metadata().map(|m| m.len()).unwrap_or(0);
        let started = Instant::now();
        let mut input = MultiGzDecoder::new(BufReader::with_capacity(256 << 10, file));
        loop {
            match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => inflated += n as u64,
                Err(e) => {
                    eprintln!("inflate_floor: {path}: {e}");
                    std::process::exit(1)
                }
            }
        }
        seconds += started.elapsed().as_secs_f64();
    }
    println!(
        "{{\"files\": {}, \"seconds\": {seconds:.4}, \"compressed_bytes\": {compressed}, \"inflated_bytes\": {inflated}}}",
        files.len()
    );
}
