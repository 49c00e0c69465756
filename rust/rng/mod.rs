//! Counter-based generators: a pure function from (key, counter) to bits.
//!
//! varscale never keeps generator state. Element `i` of a tensor is a
//! function of `(seed, stream, i)` only, which is what makes every result
//! independent of thread count, chunking and SIMD width.
//!
//! Generators work on *groups* of [`LANES`] consecutive counters so that the
//! per-lane arithmetic vectorises; a group yields 64 [`Words`], whose order
//! each generator documents (ARS: the 16 blocks in counter order, so word
//! `t` of group `g` is word `t % 4` of block `16 g + t / 4`; Philox and
//! Threefry: word `t` is word `t / 16` of block `16 g + t % 16`).
//!
//! varscale samples with [`Ars4x32_7`]; Philox4x32-10 and Threefry4x32-20
//! are kept, with their known-answer tests, as the measured alternatives.

pub(crate) mod ars;
mod philox;
mod threefry;

pub use ars::{ars4x32, Ars4x32, Ars4x32_7, ARS_ROUNDS};
pub use philox::{philox4x32, Philox4x32_10};
pub use threefry::{threefry4x32, Threefry4x32_20};

pub use crate::isa::Backend;

/// Counters per group. Part of the output format: changing it changes every
/// sample, so it is fixed, whatever the SIMD width of the machine.
pub const LANES: usize = 16;

/// The 64 32-bit output words of the 16 blocks of one group.
pub type Words = [u32; 4 * LANES];

/// The words of a group as 32 little-endian pairs: `pairs[i] = w[2i] | w[2i+1] << 32`.
#[inline(always)]
pub fn word_pairs(words: &Words) -> [u64; 2 * LANES] {
    let pairs: [u64; 2 * LANES] = bytemuck::cast(*words);
    // The pairing is part of the output format; keep it on big-endian targets.
    if cfg!(target_endian = "big") {
        pairs.map(|p| p.rotate_left(32))
    } else {
        pairs
    }
}

/// The 16 counter blocks of group `group` in structure-of-arrays form, the
/// layout Philox and Threefry share: word `w` of lane `j` is `x[w][j]`, and
/// lane `j` holds block `LANES * group + j` as (block low word, block high
/// word, stream low word, stream high word).
#[inline(always)]
pub(crate) fn lane_counters(key: &Key, group: u64) -> [[u32; LANES]; 4] {
    let block = group.wrapping_mul(LANES as u64);
    let mut x = [[0u32; LANES]; 4];
    for j in 0..LANES {
        // LANES divides 2^32: the low word never carries into the high one.
        x[0][j] = (block as u32).wrapping_add(j as u32);
        x[1][j] = (block >> 32) as u32;
        x[2][j] = key.stream as u32;
        x[3][j] = (key.stream >> 32) as u32;
    }
    x
}

/// What selects an independent random sequence: the user's seed and a stream
/// number (one per tensor in a model, see `varscale.Generator`).
///
/// For ARS4x32-7, varscale's generator, the 128-bit counter block is
/// `(block index, stream)`, 64 bits each, and the 128-bit key is `(seed, 0)`
/// (stepped by the Weyl increments each round). The Philox and Threefry
/// alternatives use the same counter block, with the seed as Philox's 64-bit
/// key and Threefry's key `(seed, 0)`. Equal keys give equal streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Key {
    pub seed: u64,
    pub stream: u64,
}

impl Key {
    pub const fn new(seed: u64, stream: u64) -> Self {
        Key { seed, stream }
    }
}

/// A counter-based generator evaluated one group of [`LANES`] blocks at a time.
pub trait CounterRng: Copy + Send + Sync + 'static {
    /// Name used in benchmark reports.
    const NAME: &'static str;
    /// The words of the blocks with counters `16 * group + j`, `j in 0..16`,
    /// computed with the instructions of build `B` (same bits for every `B`).
    fn group<B: Backend>(key: &Key, group: u64) -> Words;
}
