//! Writes the raw output of varscale's generator, ARS4x32-7, to stdout as
//! little-endian `u32` words: the input format of `dieharder -g 200`
//! (`stdin_input_raw`) and of TestU01/PractRand stdin readers.
//!
//! ```text
//! raw_stream [SEED] [STREAM] [BYTES]
//! ```
//!
//! `SEED` and `STREAM` (decimal or `0x` hex, default 0 and 0) select the key;
//! the words are elements `0, 1, 2, ...` of that stream, in the order
//! [`varscale::fill_bits`] defines (the same words every sampler consumes).
//! Without `BYTES` the stream runs until the reader closes the pipe, which
//! ends the program quietly. Used by `scripts/dieharder.sh`.

use std::io::{self, ErrorKind, Write};
use std::process::ExitCode;

use varscale::{fill_bits, Ars4x32_7, Key, Options};

/// Words per write: 4 MiB, large enough that generation runs in parallel
/// and pipe writes are cheap, small enough to stay in cache-sized pieces.
const BATCH: usize = 1 << 20;

fn parse_u64(arg: &str) -> Option<u64> {
    match arg.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => arg.parse().ok(),
    }
}

fn run(key: Key, limit: Option<u64>) -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut words = vec![0u32; BATCH];
    let mut bytes = Vec::with_capacity(4 * BATCH);
    let mut offset = 0u64; // index of the next word in the stream
    let mut left = limit;
    loop {
        let n = match left {
            Some(0) => return out.flush(),
            Some(b) => b.div_ceil(4).min(BATCH as u64) as usize,
            None => BATCH,
        };
        // The stream has 2^64 words; past its end there is nothing to write.
        if offset.checked_add(n as u64).is_none() {
            return out.flush();
        }
        fill_bits::<Ars4x32_7>(&mut words[..n], key, offset, &Options::default())
            .map_err(|e| io::Error::other(e.to_string()))?;
        offset += n as u64;
        bytes.clear();
        for w in &words[..n] {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        // A byte limit that is not a multiple of 4 cuts the last word.
        let take = left.map_or(bytes.len(), |b| (b as usize).min(bytes.len()));
        out.write_all(&bytes[..take])?;
        left = left.map(|b| b - take as u64);
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || {
        eprintln!("usage: raw_stream [SEED] [STREAM] [BYTES]   (u64 values, decimal or 0x-hex)");
        ExitCode::from(2)
    };
    if args.len() > 3 || args.iter().any(|a| a == "-h" || a == "--help") {
        return usage();
    }
    let mut values = Vec::new();
    for a in &args {
        match parse_u64(a) {
            Some(v) => values.push(v),
            None => {
                eprintln!("raw_stream: not a u64: {a:?}");
                return usage();
            }
        }
    }
    let key = Key::new(values.first().copied().unwrap_or(0), values.get(1).copied().unwrap_or(0));
    match run(key, values.get(2).copied()) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader (dieharder) closing the pipe is the normal end.
        Err(e) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raw_stream: {e}");
            ExitCode::FAILURE
        }
    }
}
