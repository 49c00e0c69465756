//! Splitting a fill across threads, and into slices between which the
//! caller may stop it.
//!
//! Chunk boundaries sit at multiples of [`CHUNK_BYTES`] in the *global*
//! element index, so every chunk but the first and last starts on a group
//! boundary; which thread fills which chunk cannot change any value.
//!
//! A long fill runs as a sequence of slices of [`SLICE_BYTES`], each spread
//! over the whole pool; between slices the thread that started the fill
//! calls the checkpoint installed by [`with_checkpoint`] (the Python binding
//! checks for Ctrl-C there). A slice takes tens of milliseconds at memory
//! speed, so the check costs nothing measurable and a stop request is
//! honoured within one slice.

use core::cell::Cell;
use core::mem::{size_of, MaybeUninit};
use std::num::NonZeroUsize;

use rayon::prelude::*;

use crate::dispatch;
use crate::error::Error;
use crate::isa::Isa;
use crate::pool;
use crate::rng::{CounterRng, Key};
use crate::sampler::Sampler;

/// Work per task: small enough to balance two to a few dozen threads on a
/// 1 GiB fill, large enough that scheduling costs nothing.
pub const CHUNK_BYTES: usize = 256 << 10;
/// Fills up to this size run on the calling thread: waking workers costs
/// more than the fill itself.
pub const PARALLEL_MIN_BYTES: usize = 256 << 10;
/// Bytes filled between two checkpoints (a multiple of [`CHUNK_BYTES`]).
pub const SLICE_BYTES: usize = 64 << 20;

/// A checkpoint: `Err` stops the fill (the error is returned).
pub type Checkpoint = fn() -> Result<(), Error>;

thread_local! {
    static CHECKPOINT: Cell<Option<Checkpoint>> = const { Cell::new(None) };
}

/// Runs `f` with `check` called between the slices of every fill that `f`
/// starts on this thread (the innermost `with_checkpoint` wins). When
/// `check` fails, the fill stops and returns its error: a new buffer is
/// freed, and a caller's buffer is left partly written.
pub fn with_checkpoint<T>(check: Checkpoint, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Checkpoint>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CHECKPOINT.set(self.0);
        }
    }
    let _restore = Restore(CHECKPOINT.replace(Some(check)));
    f()
}

/// Calls the checkpoint of this thread, if any.
pub(crate) fn checkpoint() -> Result<(), Error> {
    CHECKPOINT.get().map_or(Ok(()), |check| check())
}

/// Whether a fill of `bytes` with `threads` runs on the calling thread alone.
pub(crate) fn runs_alone(bytes: usize, threads: Option<NonZeroUsize>) -> bool {
    threads.is_some_and(|t| t.get() == 1) || bytes <= PARALLEL_MIN_BYTES
}

/// Fills `out` with elements `first..` using the pool for `threads` (None:
/// the default pool), slice by slice with a checkpoint between slices.
pub(crate) fn fill<R: CounterRng, S: Sampler>(
    s: &S,
    key: &Key,
    first: u64,
    out: &mut [MaybeUninit<S::Out>],
    threads: Option<NonZeroUsize>,
    isa: Isa,
) -> Result<(), Error> {
    let pool = if runs_alone(size_of_val(out), threads) { None } else { Some(pool::pool(threads)?) };
    let mut start = first;
    for (i, slice) in out.chunks_mut(SLICE_BYTES / size_of::<S::Out>()).enumerate() {
        if i > 0 {
            checkpoint()?;
        }
        let len = slice.len() as u64;
        match &pool {
            Some(p) => p.install(|| fill_chunks::<R, S>(s, key, start, slice, isa)),
            None => dispatch::fill_run::<R, S>(isa, s, key, start, slice),
        }
        start += len;
    }
    Ok(())
}

fn fill_chunks<R: CounterRng, S: Sampler>(s: &S, key: &Key, first: u64, out: &mut [MaybeUninit<S::Out>], isa: Isa) {
    let chunk = CHUNK_BYTES / size_of::<S::Out>();
    // The head runs up to the next global multiple of `chunk`.
    let head = ((chunk - (first % chunk as u64) as usize) % chunk).min(out.len());
    let (head_out, rest) = out.split_at_mut(head);
    let rest_first = first + head as u64;
    rayon::join(
        || dispatch::fill_run::<R, S>(isa, s, key, first, head_out),
        || {
            rest.par_chunks_mut(chunk).enumerate().for_each(|(i, c)| {
                dispatch::fill_run::<R, S>(isa, s, key, rest_first + (i * chunk) as u64, c);
            })
        },
    );
}

/// Runs `f` on the pool for `threads` (None: the default pool).
pub(crate) fn install<R: Send>(threads: Option<NonZeroUsize>, f: impl FnOnce() -> R + Send) -> Result<R, Error> {
    Ok(pool::pool(threads)?.install(f))
}
