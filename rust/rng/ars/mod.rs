//! ARS4x32-R: the AES round function keyed by a Weyl sequence
//! (Salmon et al., SC'11, section 4; Random123 `ars.h`).
//!
//! ```text
//! k_0 = key;  k_{i+1} = k_i + W  (two 64-bit lanes, W = (golden ratio, sqrt(3) - 1))
//! x = ctr ^ k_0;  x = AESENC(x, k_i) for i = 1..R-1;  x = AESENCLAST(x, k_R)
//! ```
//!
//! This is varscale's generator: with AES-NI/VAES a group of 16 blocks costs
//! a few dozen instructions, 3-4x less than Philox4x32-10 (measured in
//! `cargo bench -- rng/`). Random123 uses 7 rounds by default and publishes
//! known answers for 10; the implementation is checked against those for
//! R = 10, and for R = 7 the SIMD builds are checked against this portable
//! reference, whose round loop is the one the R = 10 vectors validate.
//!
//! Group layout: the 16 blocks of a group one after another, so word `t` of
//! group `g` is word `t % 4` of the block with counter `16 g + t / 4`.

use aes::hazmat::{cipher_round_par, inv_mix_columns, Block, Block8};

#[cfg(target_arch = "x86_64")]
mod x86;

use super::{Backend, CounterRng, Key, Words, LANES};

/// Weyl increments of the two 64-bit key lanes (Random123 `ars.h`).
pub const WEYL: [u64; 2] = [0x9E37_79B9_7F4A_7C15, 0xBB67_AE85_84CA_A73B];

/// ARS4x32 with `R` rounds, generic over the round count.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ars4x32<const R: usize>;

/// Rounds used by varscale: Random123's default, which passes BigCrush with
/// two rounds of margin (ARS-5 is the smallest that does, per Salmon et al.).
pub const ARS_ROUNDS: usize = 7;

/// The generator of every varscale sample.
pub type Ars4x32_7 = Ars4x32<ARS_ROUNDS>;

/// `"ars4x32-R"` for round counts 1 to 19 (a `const fn`, so that each
/// `Ars4x32<R>` names its own round count in benchmark reports).
const fn ars_name(rounds: usize) -> &'static str {
    const NAMES: [&str; 20] = [
        "ars4x32-0",
        "ars4x32-1",
        "ars4x32-2",
        "ars4x32-3",
        "ars4x32-4",
        "ars4x32-5",
        "ars4x32-6",
        "ars4x32-7",
        "ars4x32-8",
        "ars4x32-9",
        "ars4x32-10",
        "ars4x32-11",
        "ars4x32-12",
        "ars4x32-13",
        "ars4x32-14",
        "ars4x32-15",
        "ars4x32-16",
        "ars4x32-17",
        "ars4x32-18",
        "ars4x32-19",
    ];
    if rounds < NAMES.len() {
        NAMES[rounds]
    } else {
        "ars4x32-R"
    }
}

impl<const R: usize> CounterRng for Ars4x32<R> {
    const NAME: &'static str = ars_name(R);

    #[inline(always)]
    fn group<B: Backend>(key: &Key, group: u64) -> Words {
        #[cfg(target_arch = "x86_64")]
        if let Some(words) = x86::group::<B, R>(key, group) {
            return words;
        }
        ars_group_portable::<R>(key, group)
    }
}

fn to_block(words: [u32; 4]) -> Block {
    let mut b = Block::default();
    for (chunk, w) in b.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    b
}

fn key_block(k: [u64; 2]) -> Block {
    to_block([k[0] as u32, (k[0] >> 32) as u32, k[1] as u32, (k[1] >> 32) as u32])
}

/// Counter block `(block, stream)` and key block `(seed, 0)` of one counter.
pub(super) fn counter_words(key: &Key, block: u64) -> ([u32; 4], [u32; 4]) {
    let ctr = [block as u32, (block >> 32) as u32, key.stream as u32, (key.stream >> 32) as u32];
    (ctr, [key.seed as u32, (key.seed >> 32) as u32, 0, 0])
}

/// ARS4x32-R on eight blocks with the software AES round of the `aes` crate.
fn ars_blocks<const R: usize>(blocks: &mut Block8, key: [u32; 4]) {
    let mut k = [u64::from(key[0]) | u64::from(key[1]) << 32, u64::from(key[2]) | u64::from(key[3]) << 32];
    let k0 = key_block(k);
    for b in blocks.iter_mut() {
        for (x, y) in b.iter_mut().zip(k0.iter()) {
            *x ^= y;
        }
    }
    let bump = |k: &mut [u64; 2]| {
        k[0] = k[0].wrapping_add(WEYL[0]);
        k[1] = k[1].wrapping_add(WEYL[1]);
    };
    for _ in 1..R {
        bump(&mut k);
        cipher_round_par(blocks, &Block8::from([key_block(k); 8]));
    }
    // AESENCLAST(x, k) = InvMixColumns(AESENC(x, 0)) ^ k
    bump(&mut k);
    cipher_round_par(blocks, &Block8::default());
    let kl = key_block(k);
    for b in blocks.iter_mut() {
        inv_mix_columns(b);
        for (x, y) in b.iter_mut().zip(kl.iter()) {
            *x ^= y;
        }
    }
}

fn from_block(b: &Block) -> [u32; 4] {
    core::array::from_fn(|i| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().expect("4 bytes")))
}

/// ARS4x32-R on one block (the reference form, as Random123's `ars4x32_R`).
pub fn ars4x32<const R: usize>(ctr: [u32; 4], key: [u32; 4]) -> [u32; 4] {
    let mut blocks = Block8::default();
    blocks[0] = to_block(ctr);
    ars_blocks::<R>(&mut blocks, key);
    from_block(&blocks[0])
}

/// The portable build of [`CounterRng::group`] for ARS.
pub(super) fn ars_group_portable<const R: usize>(key: &Key, group: u64) -> Words {
    let mut words = [0u32; 4 * LANES];
    for half in 0..2 {
        let mut blocks = Block8::default();
        let mut k = [0; 4];
        for (i, b) in blocks.iter_mut().enumerate() {
            let (ctr, key_words) = counter_words(key, group * LANES as u64 + (8 * half + i) as u64);
            *b = to_block(ctr);
            k = key_words;
        }
        ars_blocks::<R>(&mut blocks, k);
        for (i, b) in blocks.iter().enumerate() {
            let block = 8 * half + i;
            words[4 * block..4 * block + 4].copy_from_slice(&from_block(b));
        }
    }
    words
}
