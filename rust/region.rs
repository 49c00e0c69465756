//! Generating a hyper-rectangle (a "region") of a larger tensor on its own,
//! bit-identical to that part of the whole: for sharded initialisation,
//! where each host generates only its shard.
//!
//! A region is a set of *runs*: stretches contiguous in the full tensor's
//! flat C order. Trailing dimensions the region covers entirely merge into
//! the run, so a row-slab is one run and a column-slab is one run per row.
//! Each run is an ordinary fill at its flat offset, so the cost is that of
//! the region (plus at most one partial 64-element group at each run end).

use core::mem::{size_of, MaybeUninit};
use std::num::NonZeroUsize;

use rayon::prelude::*;

use crate::buffer::{as_uninit_mut, new_filled};
use crate::distribution::Distribution;
use crate::error::Error;
use crate::fill::{fill_uninit, Element, Options};
use crate::parallel::{checkpoint, install, runs_alone, CHUNK_BYTES, PARALLEL_MIN_BYTES, SLICE_BYTES};
use crate::rng::Key;

/// The hyper-rectangle `start[d] .. start[d] + shape[d]` of a tensor of
/// `full_shape` (C order).
#[derive(Clone, Copy, Debug)]
pub struct Region<'a> {
    pub full_shape: &'a [usize],
    pub start: &'a [usize],
    pub shape: &'a [usize],
}

/// The runs of a checked region.
struct Runs {
    /// Region dimensions before the merged ones (each run is one index here).
    outer: Vec<usize>,
    /// Full-tensor strides (in elements) of the outer dimensions.
    strides: Vec<u64>,
    /// Flat index of the region's first element.
    base: u64,
    /// Elements per run.
    len: usize,
    count: usize,
}

impl Runs {
    /// Flat index (in the full tensor) of the first element of run `r`.
    fn start(&self, mut r: usize) -> u64 {
        let mut flat = self.base;
        for (&n, &stride) in self.outer.iter().zip(&self.strides).rev() {
            flat += (r % n) as u64 * stride;
            r /= n;
        }
        flat
    }
}

impl Region<'_> {
    /// Number of elements in the region.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the region against its tensor (what a fill would refuse).
    pub(crate) fn check(&self) -> Result<(), Error> {
        self.runs().map(|_| ())
    }

    fn runs(&self) -> Result<Runs, Error> {
        let bad = |msg: String| Err(Error::InvalidParameter(msg));
        let nd = self.full_shape.len();
        if self.start.len() != nd || self.shape.len() != nd {
            return bad(format!(
                "region start {:?} and shape {:?} must have one entry per dimension of {:?}",
                self.start, self.shape, self.full_shape
            ));
        }
        let mut total: u128 = 1;
        for d in 0..nd {
            let (full, s, n) = (self.full_shape[d], self.start[d], self.shape[d]);
            if n == 0 || s.checked_add(n).is_none_or(|end| end > full) {
                return bad(format!("region {s}..{} of axis {d} is empty or outside 0..{full}", s.saturating_add(n)));
            }
            total *= full as u128;
        }
        if total > u128::from(u64::MAX) {
            return Err(Error::TooLarge { elements: total, reason: "the full tensor exceeds 2^64 - 1 elements" });
        }
        // strides of the full tensor, in elements
        let mut strides = vec![1u64; nd];
        for d in (0..nd.saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * self.full_shape[d + 1] as u64;
        }
        // merge trailing dimensions covered entirely: k is the first of the run's dimensions
        let mut k = nd;
        while k > 0 && (k == nd || (self.start[k] == 0 && self.shape[k] == self.full_shape[k])) {
            k -= 1;
            if self.start[k] != 0 || self.shape[k] != self.full_shape[k] {
                break;
            }
        }
        let len = self.shape[k..].iter().product();
        let base = self.start.iter().zip(&strides).map(|(&s, &st)| s as u64 * st).sum();
        let outer = self.shape[..k].to_vec();
        Ok(Runs { count: outer.iter().product(), outer, strides: strides[..k].to_vec(), base, len })
    }
}

fn fill_region_uninit<T: Element>(
    out: &mut [MaybeUninit<T>],
    region: &Region<'_>,
    dist: &Distribution,
    key: Key,
    opts: &Options,
) -> Result<(), Error> {
    let runs = region.runs()?;
    if out.len() != region.len() {
        return Err(Error::InvalidParameter(format!(
            "out has {} elements but the region {:?} has {}",
            out.len(),
            region.shape,
            region.len()
        )));
    }
    if runs.count == 1 {
        return fill_uninit(out, dist, key, runs.start(0), opts);
    }
    let run_bytes = runs.len * size_of::<T>();
    // Runs per slice, so that a checkpoint comes every SLICE_BYTES or so.
    let runs_per_slice = (SLICE_BYTES / run_bytes).max(1);
    if run_bytes >= PARALLEL_MIN_BYTES || runs_alone(size_of_val(out), opts.threads) {
        // long runs (each filled in parallel) or little work in all
        for (r, run) in out.chunks_mut(runs.len).enumerate() {
            if r > 0 && r % runs_per_slice == 0 {
                checkpoint()?;
            }
            fill_uninit(run, dist, key, runs.start(r), opts)?;
        }
        return Ok(());
    }
    // many short runs: spread batches of runs over the threads, slice by slice
    let per_task = (CHUNK_BYTES / run_bytes).max(1);
    let one_thread = Options { threads: NonZeroUsize::new(1), isa: opts.isa };
    let slice_runs = runs_per_slice.next_multiple_of(per_task);
    for (k, slice) in out.chunks_mut(slice_runs * runs.len).enumerate() {
        if k > 0 {
            checkpoint()?;
        }
        let first_run = k * slice_runs;
        install(opts.threads, || {
            slice.par_chunks_mut(per_task * runs.len).enumerate().try_for_each(|(t, task)| {
                for (i, run) in task.chunks_mut(runs.len).enumerate() {
                    fill_uninit(run, dist, key, runs.start(first_run + t * per_task + i), &one_thread)?;
                }
                Ok(())
            })
        })??;
    }
    Ok(())
}

/// Fills `out` (the region's elements in C order) with the region of the
/// full tensor's sample stream: bit-identical to `full[region]`.
pub fn fill_region<T: Element>(
    out: &mut [T],
    region: &Region<'_>,
    dist: &Distribution,
    key: Key,
    opts: &Options,
) -> Result<(), Error> {
    fill_region_uninit(as_uninit_mut(out), region, dist, key, opts)
}

/// A new vector holding the region (C order) of the full tensor's samples.
pub fn generate_region<T: Element>(
    region: &Region<'_>,
    dist: &Distribution,
    key: Key,
    opts: &Options,
) -> Result<Vec<T>, Error> {
    region.runs()?;
    dist.check_for(T::DTYPE)?;
    new_filled(region.len(), |out| fill_region_uninit(out, region, dist, key, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(full: &[usize], start: &[usize], shape: &[usize]) -> Runs {
        Region { full_shape: full, start, shape }.runs().unwrap()
    }

    #[test]
    fn trailing_full_dimensions_merge_into_runs() {
        let r = runs(&[4, 5, 6], &[1, 0, 0], &[2, 5, 6]); // a slab of whole rows
        assert_eq!((r.count, r.len, r.start(0)), (1, 60, 30));
        let r = runs(&[4, 5, 6], &[1, 2, 0], &[2, 3, 6]);
        assert_eq!((r.count, r.len), (2, 18));
        assert_eq!((r.start(0), r.start(1)), (30 + 12, 60 + 12));
        let r = runs(&[4, 5, 6], &[0, 1, 2], &[4, 2, 3]);
        assert_eq!((r.count, r.len), (8, 3));
        assert_eq!(r.start(3), 30 + 2 * 6 + 2);
        let r = runs(&[], &[], &[]); // a scalar
        assert_eq!((r.count, r.len, r.start(0)), (1, 1, 0));
    }

    #[test]
    fn bad_regions_are_errors() {
        let bad = |full: &[usize], start: &[usize], shape: &[usize]| {
            Region { full_shape: full, start, shape }.runs().is_err()
        };
        assert!(bad(&[4, 5], &[0], &[4]));
        assert!(bad(&[4, 5], &[0, 3], &[4, 3]));
        assert!(bad(&[4, 5], &[0, 0], &[0, 5]));
        assert!(bad(&[4, 5], &[usize::MAX, 0], &[1, 5]));
    }
}
