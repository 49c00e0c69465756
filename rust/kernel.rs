//! The inner loop: fill a run of consecutive elements group by group.
//!
//! Element `first + i` of the output lies in group `(first + i) / GROUP` at
//! position `(first + i) % GROUP`; a run that starts or ends inside a group
//! computes that group whole and copies the needed part. Every element thus
//! gets the same value however the range is split, which is what makes
//! results independent of chunking and thread count.

use core::mem::MaybeUninit;

use crate::isa::Backend;
use crate::rng::{CounterRng, Key};
use crate::sampler::{Sampler, MAX_GROUP};

/// Fills `out` with elements `first .. first + out.len()` of the stream.
///
/// `#[inline(always)]` so that each `#[target_feature]` wrapper in
/// `dispatch.rs` gets its own copy compiled for its instruction set.
#[inline(always)]
pub(crate) fn fill_run<R: CounterRng, S: Sampler, B: Backend>(
    s: &S,
    key: &Key,
    first: u64,
    out: &mut [MaybeUninit<S::Out>],
) {
    let g = S::GROUP;
    let mut group = first / g as u64;
    let skip = (first % g as u64) as usize;
    let mut out = out;
    if skip != 0 {
        let take = (g - skip).min(out.len());
        partial_group::<R, S, B>(s, key, group, skip, &mut out[..take]);
        out = &mut out[take..];
        group += 1;
    }
    if S::RANDOM && S::INTERLEAVE {
        // two groups per step, both groups' words first: the generator's
        // rounds for the second overlap the first's transform, a long chain
        // of dependent operations. Same values: each group is still its own.
        let mut pairs = out.chunks_exact_mut(2 * g);
        for pair in &mut pairs {
            let (a, b) = (R::group::<B>(key, group), R::group::<B>(key, group + 1));
            let (lo, hi) = pair.split_at_mut(g);
            s.sample_group(&a, lo);
            s.sample_group(&b, hi);
            group += 2;
        }
        out = pairs.into_remainder();
    }
    let mut whole = out.chunks_exact_mut(g);
    for chunk in &mut whole {
        sample::<R, S, B>(s, key, group, chunk);
        group += 1;
    }
    let rest = whole.into_remainder();
    if !rest.is_empty() {
        partial_group::<R, S, B>(s, key, group, 0, rest);
    }
}

#[inline(always)]
fn sample<R: CounterRng, S: Sampler, B: Backend>(s: &S, key: &Key, group: u64, out: &mut [MaybeUninit<S::Out>]) {
    if S::RANDOM {
        s.sample_group(&R::group::<B>(key, group), out);
    } else {
        s.sample_group(&[0; 4 * crate::rng::LANES], out);
    }
}

/// Elements `skip .. skip + out.len()` of one group.
#[inline(always)]
fn partial_group<R: CounterRng, S: Sampler, B: Backend>(
    s: &S,
    key: &Key,
    group: u64,
    skip: usize,
    out: &mut [MaybeUninit<S::Out>],
) {
    let mut tmp = [MaybeUninit::<S::Out>::uninit(); MAX_GROUP];
    let tmp = &mut tmp[..S::GROUP];
    sample::<R, S, B>(s, key, group, tmp);
    out.copy_from_slice(&tmp[skip..skip + out.len()]);
}
