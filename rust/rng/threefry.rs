//! Threefry4x32-R (Salmon et al., SC'11; the Threefish-based member of
//! Random123), kept as a measured alternative to ARS4x32-7, varscale's
//! generator: `cargo bench -- rng/` compares the raw throughput of ARS,
//! Philox and Threefry, which is how ARS was chosen.
//!
//! Each round mixes word pairs with add / rotate / xor (the Threefish MIX),
//! and every four rounds injects the key schedule
//! `ks = (k0, k1, k2, k3, 0x1BD11BDA ^ k0 ^ k1 ^ k2 ^ k3)`.

use super::{lane_counters, Backend, CounterRng, Key, Words, LANES};

/// Rotation constants `R_32x4_{r}_{0,1}` of Random123.
const ROT: [[u32; 2]; 8] = [[10, 26], [11, 21], [13, 27], [23, 5], [6, 20], [17, 11], [25, 10], [18, 20]];
/// Skein key-schedule parity constant.
const PARITY: u32 = 0x1BD1_1BDA;

#[inline(always)]
fn key_schedule(key: [u32; 4]) -> [u32; 5] {
    [key[0], key[1], key[2], key[3], PARITY ^ key[0] ^ key[1] ^ key[2] ^ key[3]]
}

/// One round on one block; even rounds pair (0,1),(2,3), odd rounds (0,3),(2,1).
#[inline(always)]
fn round(x: &mut [u32; 4], r: usize) {
    let [ra, rb] = ROT[r % 8];
    let (a, b) = if r.is_multiple_of(2) { (1, 3) } else { (3, 1) };
    x[0] = x[0].wrapping_add(x[a]);
    x[a] = x[a].rotate_left(ra) ^ x[0];
    x[2] = x[2].wrapping_add(x[b]);
    x[b] = x[b].rotate_left(rb) ^ x[2];
}

#[inline(always)]
fn inject(x: &mut [u32; 4], ks: &[u32; 5], s: usize) {
    for (i, xi) in x.iter_mut().enumerate() {
        *xi = xi.wrapping_add(ks[(s + i) % 5]);
    }
    x[3] = x[3].wrapping_add(s as u32);
}

/// Threefry4x32 with `R` rounds on one counter block (the reference form).
#[inline(always)]
pub fn threefry4x32<const R: usize>(ctr: [u32; 4], key: [u32; 4]) -> [u32; 4] {
    let ks = key_schedule(key);
    let mut x = ctr;
    inject(&mut x, &ks, 0);
    for r in 0..R {
        round(&mut x, r);
        if (r + 1) % 4 == 0 {
            inject(&mut x, &ks, (r + 1) / 4);
        }
    }
    x
}

/// Threefry4x32-20 with key `(seed_lo, seed_hi, 0, 0)` and the same counter
/// layout as [`super::Philox4x32_10`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Threefry4x32_20;

impl CounterRng for Threefry4x32_20 {
    const NAME: &'static str = "threefry4x32-20";

    #[inline(always)]
    fn group<B: Backend>(key: &Key, group: u64) -> Words {
        let ks = key_schedule([key.seed as u32, (key.seed >> 32) as u32, 0, 0]);
        // Structure of arrays: word w of lane j is x[w][j], so each step
        // below is one vector operation across the 16 lanes.
        let mut x = lane_counters(key, group);
        let inject_all = |x: &mut [[u32; LANES]; 4], s: usize| {
            for (i, word) in x.iter_mut().enumerate() {
                let add = ks[(s + i) % 5].wrapping_add(if i == 3 { s as u32 } else { 0 });
                for v in word.iter_mut() {
                    *v = v.wrapping_add(add);
                }
            }
        };
        inject_all(&mut x, 0);
        for r in 0..20 {
            let [ra, rb] = ROT[r % 8];
            let (a, b) = if r.is_multiple_of(2) { (1, 3) } else { (3, 1) };
            for j in 0..LANES {
                x[0][j] = x[0][j].wrapping_add(x[a][j]);
                x[a][j] = x[a][j].rotate_left(ra) ^ x[0][j];
                x[2][j] = x[2][j].wrapping_add(x[b][j]);
                x[b][j] = x[b][j].rotate_left(rb) ^ x[2][j];
            }
            if (r + 1) % 4 == 0 {
                inject_all(&mut x, (r + 1) / 4);
            }
        }
        *x.as_flattened().first_chunk().expect("64 words")
    }
}
