//! Many buffers in one call: the batched path for whole models.
//!
//! A model has hundreds to thousands of tensors, most of them small; filling
//! them one call at a time pays the call, the parameter set-up and (from
//! Python) a GIL release per tensor, and runs each small tensor on one
//! thread. [`fill_many`] takes the whole list, enters the thread pool once,
//! and spreads the buffers over the workers with rayon's work stealing; a
//! large buffer inside the batch splits into chunks as a single fill would
//! (`parallel.rs`), so the workers share it too.
//!
//! Each buffer is filled by the same code as a call of [`crate::fill`] or
//! [`crate::fill_region`] with that buffer's own distribution, dtype, key and
//! place, so the result is bit-identical to filling each alone (element `i`
//! of a stream depends only on `(key, i, parameters)`). No lock is taken per
//! buffer or per chunk: the only lock is the pool cache's, once per call when
//! an explicit thread count is given.

use rayon::prelude::*;

use crate::distribution::Distribution;
use crate::error::Error;
use crate::fill::{fill, Element, Options};
use crate::parallel::install;
use crate::region::{fill_region, Region};
use crate::rng::Key;

/// A caller's buffer of one of the output dtypes.
#[derive(Debug)]
pub enum BufferMut<'a> {
    F32(&'a mut [f32]),
    F64(&'a mut [f64]),
    F16(&'a mut [half::f16]),
    Bf16(&'a mut [half::bf16]),
}

impl BufferMut<'_> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        match self {
            BufferMut::F32(b) => b.len(),
            BufferMut::F64(b) => b.len(),
            BufferMut::F16(b) => b.len(),
            BufferMut::Bf16(b) => b.len(),
        }
    }

    /// Whether the buffer has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which elements of the stream a buffer receives.
#[derive(Clone, Copy, Debug)]
pub enum Placement<'a> {
    /// Elements `offset .. offset + len` in flat order (as [`crate::fill`]).
    Offset(u64),
    /// A region of a larger tensor (as [`crate::fill_region`]).
    Region(Region<'a>),
}

/// One buffer of a batch with its distribution, stream key and placement.
#[derive(Debug)]
pub struct Job<'a> {
    pub out: BufferMut<'a>,
    pub dist: Distribution,
    pub key: Key,
    pub place: Placement<'a>,
}

impl Job<'_> {
    /// Checks everything a fill of this job could refuse, writing nothing.
    fn check(&self, opts: &Options) -> Result<(), Error> {
        match self.out {
            BufferMut::F32(_) => self.check_as::<f32>(opts),
            BufferMut::F64(_) => self.check_as::<f64>(opts),
            BufferMut::F16(_) => self.check_as::<half::f16>(opts),
            BufferMut::Bf16(_) => self.check_as::<half::bf16>(opts),
        }
    }

    fn check_as<T: Element>(&self, opts: &Options) -> Result<(), Error> {
        let len = self.out.len();
        // An empty fill validates the parameters, builds the sampler (which
        // refuses e.g. an interval holding no value of T) and checks the
        // range end; it writes nothing.
        let end = match self.place {
            Placement::Offset(offset) => offset.checked_add(len as u64).ok_or(Error::TooLarge {
                elements: u128::from(offset) + len as u128,
                reason: "the element index exceeds 2^64 - 1",
            })?,
            Placement::Region(region) => {
                region.check()?;
                if region.len() != len {
                    return Err(Error::InvalidParameter(format!(
                        "out has {len} elements but the region {:?} has {}",
                        region.shape,
                        region.len()
                    )));
                }
                0
            }
        };
        fill::<T>(&mut [], &self.dist, self.key, end, opts)
    }

    fn run(&mut self, opts: &Options) -> Result<(), Error> {
        match &mut self.out {
            BufferMut::F32(b) => fill_one(b, &self.dist, self.key, &self.place, opts),
            BufferMut::F64(b) => fill_one(b, &self.dist, self.key, &self.place, opts),
            BufferMut::F16(b) => fill_one(b, &self.dist, self.key, &self.place, opts),
            BufferMut::Bf16(b) => fill_one(b, &self.dist, self.key, &self.place, opts),
        }
    }
}

fn fill_one<T: Element>(
    out: &mut [T],
    dist: &Distribution,
    key: Key,
    place: &Placement<'_>,
    opts: &Options,
) -> Result<(), Error> {
    match place {
        Placement::Offset(offset) => fill(out, dist, key, *offset, opts),
        Placement::Region(region) => fill_region(out, region, dist, key, opts),
    }
}

/// Names the job in an error about it.
fn in_job(i: usize, err: Error) -> Error {
    match err {
        Error::InvalidParameter(msg) => Error::InvalidParameter(format!("buffer {i}: {msg}")),
        other => other,
    }
}

/// Fills every job's buffer, each exactly as [`crate::fill`] /
/// [`crate::fill_region`] would fill it alone, in parallel across buffers
/// (and within large ones) on `opts.threads` workers.
///
/// All jobs are checked first: on a bad job nothing is written and the error
/// names the job's index. Buffers must not overlap (guaranteed by `&mut`).
pub fn fill_many(jobs: &mut [Job<'_>], opts: &Options) -> Result<(), Error> {
    for (i, job) in jobs.iter().enumerate() {
        job.check(opts).map_err(|e| in_job(i, e))?;
    }
    // Inside the pool, each fill uses the current pool (no second `install`,
    // so no lock per job or chunk).
    let inner = Options { threads: None, isa: opts.isa };
    if opts.threads.is_some_and(|t| t.get() == 1) {
        return jobs.iter_mut().enumerate().try_for_each(|(i, job)| job.run(&inner).map_err(|e| in_job(i, e)));
    }
    install(opts.threads, || {
        jobs.par_iter_mut().enumerate().try_for_each(|(i, job)| job.run(&inner).map_err(|e| in_job(i, e)))
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroUsize;

    #[test]
    fn a_bad_job_is_named_and_nothing_is_written() {
        let mut a = vec![0f32; 100];
        let mut b = vec![0f64; 100];
        let mut jobs = vec![
            Job {
                out: BufferMut::F32(&mut a),
                dist: Distribution::Normal { mean: 0.0, std: 1.0 },
                key: Key::new(1, 0),
                place: Placement::Offset(0),
            },
            Job {
                out: BufferMut::F64(&mut b),
                dist: Distribution::Normal { mean: 0.0, std: -1.0 },
                key: Key::new(1, 1),
                place: Placement::Offset(0),
            },
        ];
        let opts = Options { threads: NonZeroUsize::new(2), isa: None };
        let err = fill_many(&mut jobs, &opts).unwrap_err().to_string();
        assert!(err.contains("buffer 1"), "{err}");
        assert!(a.iter().all(|&x| x == 0.0));
    }
}
