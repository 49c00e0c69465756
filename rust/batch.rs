//! Many buffers in one call: the batched path for whole models.
//!
//! A model has hundreds to thousands of tensors, most of them small; filling
//! them one call at a time pays the call, the parameter set-up and (from
//! Python) a GIL release per tensor, and runs each small tensor on one
//! thread. [`fill_many`] takes the whole list and
//!
//! * fills each *large* buffer (above [`PARALLEL_MIN_BYTES`]) as a single
//!   fill would: split into chunks over the whole pool, slice by slice;
//! * spreads the *small* buffers over the pool's workers (rayon's work
//!   stealing), one buffer per task, in batches of about [`SLICE_BYTES`].
//!
//! Between slices and between batches the calling thread runs the
//! checkpoint of [`crate::with_checkpoint`], so a batched fill stops on
//! Ctrl-C as a single fill does.
//!
//! Each buffer is filled by the same code as a call of [`crate::fill`] or
//! [`crate::fill_region`] with that buffer's own distribution, dtype, key and
//! place, so the result is bit-identical to filling each alone (element `i`
//! of a stream depends only on `(key, i, parameters)`). No lock is taken per
//! small buffer or per chunk: the pool cache's lock is taken once per batch
//! of small buffers and once per large buffer.

use rayon::prelude::*;
use std::num::NonZeroUsize;

use crate::distribution::Distribution;
use crate::dtype::Dtype;
use crate::error::Error;
use crate::fill::{fill, Element, Options};
use crate::parallel::{checkpoint, install, runs_alone, PARALLEL_MIN_BYTES, SLICE_BYTES};
use crate::pool::effective_threads;
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

    /// The element type.
    pub fn dtype(&self) -> Dtype {
        match self {
            BufferMut::F32(_) => Dtype::Float32,
            BufferMut::F64(_) => Dtype::Float64,
            BufferMut::F16(_) => Dtype::Float16,
            BufferMut::Bf16(_) => Dtype::BFloat16,
        }
    }

    /// Size in bytes.
    pub fn bytes(&self) -> usize {
        self.len() * self.dtype().size()
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
        self.dist.check_for(self.out.dtype())?;
        match self.out {
            BufferMut::F32(_) => self.check_as::<f32>(opts),
            BufferMut::F64(_) => self.check_as::<f64>(opts),
            BufferMut::F16(_) => self.check_as::<half::f16>(opts),
            BufferMut::Bf16(_) => self.check_as::<half::bf16>(opts),
        }
    }

    fn check_as<T: Element>(&self, opts: &Options) -> Result<(), Error> {
        let len = self.out.len();
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
        // An empty fill at the range end builds the sampler, which refuses
        // what only it can see (e.g. an interval holding no value of T), and
        // checks the isa; it writes nothing and starts no thread.
        fill::<T>(&mut [], &self.dist, self.key, end, opts)
    }

    /// Fills the buffer; `opts.threads` is the pool it may spread over.
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
/// [`crate::fill_region`] would fill it alone: small buffers in parallel
/// across buffers, large ones split across the `opts.threads` workers.
///
/// All jobs are checked first: on a bad job nothing is written and the error
/// names the job's index (`buffer i: ...`). Buffers cannot overlap (`&mut`).
/// A checkpoint error (see [`crate::with_checkpoint`]) stops the call with
/// the buffers partly written.
pub fn fill_many(jobs: &mut [Job<'_>], opts: &Options) -> Result<(), Error> {
    effective_threads(opts.threads)?;
    for (i, job) in jobs.iter().enumerate() {
        job.check(opts).map_err(|e| in_job(i, e))?;
    }
    let (mut small, mut large): (Vec<_>, Vec<_>) =
        jobs.iter_mut().enumerate().partition(|(_, job)| job.out.bytes() <= PARALLEL_MIN_BYTES);
    // The checkpoint runs between steps (and within large fills' slices).
    let mut started = false;
    let mut step = || if std::mem::replace(&mut started, true) { checkpoint() } else { Ok(()) };
    // Large buffers: one after another, each over the whole pool.
    for (i, job) in large.iter_mut() {
        step()?;
        job.run(opts).map_err(|e| in_job(*i, e))?;
    }
    // Small buffers: each on one worker, so no task wakes further threads.
    let one_thread = Options { threads: NonZeroUsize::new(1), isa: opts.isa };
    let run_small = |(i, job): &mut (usize, &mut Job<'_>)| job.run(&one_thread).map_err(|e| in_job(*i, e));
    let bytes: Vec<usize> = small.iter().map(|(_, job)| job.out.bytes()).collect();
    if runs_alone(bytes.iter().sum(), opts.threads) {
        step()?;
        return small.iter_mut().try_for_each(run_small);
    }
    let mut start = 0;
    for end in slice_ends(&bytes) {
        step()?;
        let batch = &mut small[start..end];
        install(opts.threads, || batch.par_iter_mut().try_for_each(run_small))??;
        start = end;
    }
    Ok(())
}

/// Where consecutive runs of jobs of about [`SLICE_BYTES`] end (a run ends
/// with the first job that brings it to the limit), given each job's bytes.
fn slice_ends(bytes: &[usize]) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut sum = 0;
    for (i, &b) in bytes.iter().enumerate() {
        sum += b;
        if sum >= SLICE_BYTES || i + 1 == bytes.len() {
            ends.push(i + 1);
            sum = 0;
        }
    }
    ends
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn small_jobs_are_sliced_by_bytes() {
        let quarter = SLICE_BYTES / 4;
        assert_eq!(slice_ends(&[quarter; 9]), [4, 8, 9]);
        assert_eq!(slice_ends(&[1, 2, 3]), [3]);
        assert!(slice_ends(&[]).is_empty());
    }
}
