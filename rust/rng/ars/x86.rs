//! ARS4x32-R with AES-NI (xmm), VAES (ymm) and VAES-512 (zmm): the same
//! computation as [`super::ars_group_portable`], 1, 2 or 4 blocks per
//! instruction. Each function stores the 16 blocks of a group in counter
//! order, which is the `Words` layout documented in `rng/ars/mod.rs`.
//!
//! Safety: every function here requires the CPU features named in its
//! `#[target_feature]`; [`group`] calls one only for the [`Backend`] of the
//! `dispatch` wrapper with the same features, which is entered only after
//! `Isa::is_supported` checked them at run time.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use super::{counter_words, WEYL};
use crate::isa::{Backend, Isa};
use crate::rng::{Key, Words, LANES};

/// The words of one ARS group with the intrinsics of build `B` (resolved at
/// compile time), or `None` for the portable build.
#[inline(always)]
pub(super) fn group<B: Backend, const R: usize>(key: &Key, group: u64) -> Option<Words> {
    match B::ISA {
        // SAFETY (all three): `B` is only the backend of the `dispatch`
        // wrapper with the same features, entered after `is_supported`.
        Isa::Avx512 => Some(unsafe { ars_zmm::<R>(key, group) }),
        Isa::Avx2Vaes => Some(unsafe { ars_ymm::<R>(key, group) }),
        Isa::Avx2 => Some(unsafe { ars_xmm::<R>(key, group) }),
        Isa::Portable => None,
    }
}

#[inline(always)]
fn weyl_i64() -> (i64, i64) {
    (WEYL[0] as i64, WEYL[1] as i64)
}

#[inline(always)]
fn key_i64(key: &Key) -> (i64, i64) {
    let (_, k) = counter_words(key, 0);
    (i64::from(k[0]) | i64::from(k[1]) << 32, i64::from(k[2]) | i64::from(k[3]) << 32)
}

#[target_feature(enable = "avx2,fma,aes")]
#[inline]
fn ars_xmm<const R: usize>(key: &Key, group: u64) -> Words {
    let (w0, w1) = weyl_i64();
    let (k0, k1) = key_i64(key);
    let weyl = _mm_set_epi64x(w1, w0);
    let k_first = _mm_set_epi64x(k1, k0);
    let base = group * LANES as u64;
    let stream = key.stream as i64;
    let mut words = [0u32; 4 * LANES];
    let out = words.as_mut_ptr().cast::<__m128i>();
    // Two halves of 8 blocks: 16 blocks in flight would need all 16 xmm
    // registers and spill (measured 40% slower).
    for half in 0..2 {
        let mut kk = k_first;
        let mut v = [_mm_setzero_si128(); LANES / 2];
        for (j, x) in v.iter_mut().enumerate() {
            let c = base + (half * LANES / 2 + j) as u64;
            *x = _mm_xor_si128(_mm_set_epi64x(stream, c as i64), kk);
        }
        for _ in 1..R {
            kk = _mm_add_epi64(kk, weyl);
            for x in v.iter_mut() {
                *x = _mm_aesenc_si128(*x, kk);
            }
        }
        kk = _mm_add_epi64(kk, weyl);
        for (j, x) in v.iter().enumerate() {
            // SAFETY: `words` is 256 bytes = 16 x __m128i; unaligned store.
            unsafe { _mm_storeu_si128(out.add(half * LANES / 2 + j), _mm_aesenclast_si128(*x, kk)) };
        }
    }
    words
}

#[target_feature(enable = "avx2,fma,aes,vaes")]
#[inline]
fn ars_ymm<const R: usize>(key: &Key, group: u64) -> Words {
    let (w0, w1) = weyl_i64();
    let (k0, k1) = key_i64(key);
    let weyl = _mm256_set_epi64x(w1, w0, w1, w0);
    let mut kk = _mm256_set_epi64x(k1, k0, k1, k0);
    let base = group * LANES as u64;
    let stream = key.stream as i64;
    let mut v = [_mm256_setzero_si256(); LANES / 2];
    for (j, x) in v.iter_mut().enumerate() {
        let c = base + 2 * j as u64;
        *x = _mm256_xor_si256(_mm256_set_epi64x(stream, (c + 1) as i64, stream, c as i64), kk);
    }
    for _ in 1..R {
        kk = _mm256_add_epi64(kk, weyl);
        for x in v.iter_mut() {
            *x = _mm256_aesenc_epi128(*x, kk);
        }
    }
    kk = _mm256_add_epi64(kk, weyl);
    let mut words = [0u32; 4 * LANES];
    let out = words.as_mut_ptr().cast::<__m256i>();
    for (j, x) in v.iter().enumerate() {
        // SAFETY: `words` is 256 bytes = 8 x __m256i; unaligned store.
        unsafe { _mm256_storeu_si256(out.add(j), _mm256_aesenclast_epi128(*x, kk)) };
    }
    words
}

#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,fma,aes,vaes")]
#[inline]
fn ars_zmm<const R: usize>(key: &Key, group: u64) -> Words {
    let (w0, w1) = weyl_i64();
    let (k0, k1) = key_i64(key);
    let weyl = _mm512_set_epi64(w1, w0, w1, w0, w1, w0, w1, w0);
    let mut kk = _mm512_set_epi64(k1, k0, k1, k0, k1, k0, k1, k0);
    let base = group * LANES as u64;
    let s = key.stream as i64;
    let mut v = [_mm512_setzero_si512(); LANES / 4];
    for (j, x) in v.iter_mut().enumerate() {
        let c = (base + 4 * j as u64) as i64;
        let ctr = _mm512_set_epi64(s, c + 3, s, c + 2, s, c + 1, s, c);
        *x = _mm512_xor_si512(ctr, kk);
    }
    for _ in 1..R {
        kk = _mm512_add_epi64(kk, weyl);
        for x in v.iter_mut() {
            *x = _mm512_aesenc_epi128(*x, kk);
        }
    }
    kk = _mm512_add_epi64(kk, weyl);
    let mut words = [0u32; 4 * LANES];
    let out = words.as_mut_ptr().cast::<__m512i>();
    for (j, x) in v.iter().enumerate() {
        // SAFETY: `words` is 256 bytes = 4 x __m512i; unaligned store.
        unsafe { _mm512_storeu_si512(out.add(j), _mm512_aesenclast_epi128(*x, kk)) };
    }
    words
}
