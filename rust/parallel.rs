//! Splitting a fill across threads.
//!
//! Chunk boundaries sit at multiples of [`CHUNK_BYTES`] in the *global*
//! element index, so every chunk but the first and last starts on a group
//! boundary; which thread fills which chunk cannot change any value.

use core::mem::{size_of, MaybeUninit};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::error::Error;
use crate::rng::{CounterRng, Key};
use crate::sampler::Sampler;
use crate::simd::{self, Isa};

/// Work per task: small enough to balance two to a few dozen threads on a
/// 1 GiB fill, large enough that scheduling costs nothing.
pub const CHUNK_BYTES: usize = 256 << 10;
/// Fills up to this size run on the calling thread: waking workers costs
/// more than the fill itself.
pub const PARALLEL_MIN_BYTES: usize = 256 << 10;
/// More threads than this is a mistake, not a configuration.
pub const MAX_THREADS: usize = 4096;
/// Thread pools kept alive for explicit thread counts.
const MAX_CACHED_POOLS: usize = 8;

/// Fills `out` with elements `first..` using `threads` workers (None: the
/// global pool, one per core or `RAYON_NUM_THREADS`).
pub(crate) fn fill<R: CounterRng, S: Sampler>(
    s: &S,
    key: &Key,
    first: u64,
    out: &mut [MaybeUninit<S::Out>],
    threads: Option<NonZeroUsize>,
    isa: Isa,
) -> Result<(), Error> {
    let single = threads.is_some_and(|t| t.get() == 1);
    if single || out.len() * size_of::<S::Out>() <= PARALLEL_MIN_BYTES {
        simd::fill_run::<R, S>(isa, s, key, first, out);
        return Ok(());
    }
    install(threads, move || {
        let out = out; // moved in, so the closure is FnOnce
        fill_chunks::<R, S>(s, key, first, out, isa)
    })
}

fn fill_chunks<R: CounterRng, S: Sampler>(s: &S, key: &Key, first: u64, out: &mut [MaybeUninit<S::Out>], isa: Isa) {
    let chunk = CHUNK_BYTES / size_of::<S::Out>();
    // The head runs up to the next global multiple of `chunk`.
    let head = ((chunk - (first % chunk as u64) as usize) % chunk).min(out.len());
    let (head_out, rest) = out.split_at_mut(head);
    let rest_first = first + head as u64;
    rayon::join(
        || simd::fill_run::<R, S>(isa, s, key, first, head_out),
        || {
            rest.par_chunks_mut(chunk).enumerate().for_each(|(i, c)| {
                simd::fill_run::<R, S>(isa, s, key, rest_first + (i * chunk) as u64, c);
            })
        },
    );
}

/// Runs `f` on a pool of `threads` workers (None: the global pool).
pub(crate) fn install<R: Send>(threads: Option<NonZeroUsize>, f: impl FnOnce() -> R + Send) -> Result<R, Error> {
    match threads {
        None => Ok(f()),
        Some(n) => Ok(pool(n.get())?.install(f)),
    }
}

/// A pool of exactly `n` threads, cached so repeated calls do not respawn.
fn pool(n: usize) -> Result<Arc<ThreadPool>, Error> {
    static POOLS: Mutex<Vec<(usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());
    if n > MAX_THREADS {
        return Err(Error::InvalidParameter(format!("threads={n} exceeds the maximum of {MAX_THREADS}")));
    }
    // A panic while holding the lock cannot leave the Vec inconsistent.
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, p)) = pools.iter().find(|(k, _)| *k == n) {
        return Ok(Arc::clone(p));
    }
    let p = ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("varscale-{i}"))
        .build()
        .map_err(|e| Error::ThreadPool(e.to_string()))?;
    let p = Arc::new(p);
    if pools.len() == MAX_CACHED_POOLS {
        pools.remove(0); // its threads exit once running fills finish
    }
    pools.push((n, Arc::clone(&p)));
    Ok(p)
}
