//! Philox4x32-R, the counter-based generator of Salmon et al.
//!
//! Reference: J. K. Salmon, M. A. Moraes, R. O. Dror, D. E. Shaw,
//! "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11
//! (<https://doi.org/10.1145/2063384.2063405>), and the Random123 library,
//! whose published known-answer vectors are checked in `tests/kat.rs`.
//!
//! One call maps a 128-bit counter and a 64-bit key to 128 random bits:
//! each of the `R` rounds does two 32x32->64-bit multiplies,
//!
//! ```text
//! (hi0, lo0) = M0 * x0        (hi1, lo1) = M1 * x2
//! x' = (hi1 ^ x1 ^ k0,  lo1,  hi0 ^ x3 ^ k1,  lo0)
//! (k0, k1) += (W0, W1)        // "key bump" between rounds
//! ```

use super::{lane_counters, Backend, CounterRng, Key, Words, LANES};

/// Philox4x32 multipliers (Random123 `PHILOX_M4x32_0/1`).
pub const M0: u32 = 0xD251_1F53;
pub const M1: u32 = 0xCD9E_8D57;
/// Weyl key increments (Random123 `PHILOX_W32_0/1`: golden ratio, sqrt(3)-1).
pub const W0: u32 = 0x9E37_79B9;
pub const W1: u32 = 0xBB67_AE85;

#[inline(always)]
fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = u64::from(a) * u64::from(b);
    ((p >> 32) as u32, p as u32)
}

/// Philox4x32 with `R` rounds on one counter block (the reference form).
#[inline(always)]
pub fn philox4x32<const R: usize>(ctr: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let [mut x0, mut x1, mut x2, mut x3] = ctr;
    let [mut k0, mut k1] = key;
    for round in 0..R {
        if round > 0 {
            k0 = k0.wrapping_add(W0);
            k1 = k1.wrapping_add(W1);
        }
        let (hi0, lo0) = mulhilo(M0, x0);
        let (hi1, lo1) = mulhilo(M1, x2);
        (x0, x1, x2, x3) = (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0);
    }
    [x0, x1, x2, x3]
}

/// Philox4x32-10 over a group of 16 counters, written so that LLVM
/// vectorises it across the lanes (no intrinsics). A measured alternative to
/// ARS (see `benches/README.md`): portable, but each 32x32->64-bit multiply
/// costs several AVX2 instructions.
#[derive(Clone, Copy, Debug, Default)]
pub struct Philox4x32_10;

impl CounterRng for Philox4x32_10 {
    const NAME: &'static str = "philox4x32-10";

    #[inline(always)]
    fn group<B: Backend>(key: &Key, group: u64) -> Words {
        let [mut x0, mut x1, mut x2, mut x3] = lane_counters(key, group);
        let (mut k0, mut k1) = (key.seed as u32, (key.seed >> 32) as u32);
        for round in 0..10 {
            if round > 0 {
                k0 = k0.wrapping_add(W0);
                k1 = k1.wrapping_add(W1);
            }
            for j in 0..LANES {
                let (hi0, lo0) = mulhilo(M0, x0[j]);
                let (hi1, lo1) = mulhilo(M1, x2[j]);
                x0[j] = hi1 ^ x1[j] ^ k0;
                x1[j] = lo1;
                x2[j] = hi0 ^ x3[j] ^ k1;
                x3[j] = lo0;
            }
        }
        let mut words = [0; 4 * LANES];
        for (row, x) in words.chunks_exact_mut(LANES).zip([x0, x1, x2, x3]) {
            row.copy_from_slice(&x);
        }
        words
    }
}
