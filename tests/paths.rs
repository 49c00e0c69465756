//! The design principle: every element is a pure function of (seed, stream,
//! index, parameters). So results must be bit-identical across instruction-set
//! builds, thread counts, chunkings, and sub-ranges generated alone.

use std::num::NonZeroUsize;

use varscale::{fill, generate, Distribution, Element, Isa, Key, Options, CHUNK_BYTES};

const KEY: Key = Key::new(0x1234_5678_9abc_def0, 3);

fn dists() -> Vec<Distribution> {
    vec![
        Distribution::Uniform { low: -0.3, high: 0.7 },
        Distribution::Normal { mean: 0.5, std: 2.0 },
        // bounded (+-2 std), central (wider) and both tail modes
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: -2.0, high: 2.0 },
        Distribution::TruncatedNormal { mean: 1.0, std: 0.5, low: -1.0, high: 1.5 },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: 2.5, high: f64::INFINITY },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: -6.0, high: -3.0 },
        Distribution::Constant { value: 0.25 },
    ]
}

fn opts(threads: usize, isa: Isa) -> Options {
    Options { threads: NonZeroUsize::new(threads), isa: Some(isa) }
}

/// Exact bit patterns, for every element type.
trait Bits: Element + Default {
    fn bits(self) -> u64;
}
impl Bits for f32 {
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}
impl Bits for f64 {
    fn bits(self) -> u64 {
        self.to_bits()
    }
}
impl Bits for half::f16 {
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}
impl Bits for half::bf16 {
    fn bits(self) -> u64 {
        u64::from(self.to_bits())
    }
}

fn bits<T: Bits>(v: &[T]) -> Vec<u64> {
    v.iter().map(|&x| x.bits()).collect()
}

/// The `#[test]`s `$f32`, `$f64` and `$half` running `$check` for f32, for
/// f64, and for f16 and bf16.
macro_rules! tests_per_float_type {
    ($check:ident: $f32:ident, $f64:ident, $half:ident) => {
        #[test]
        fn $f32() {
            $check::<f32>();
        }

        #[test]
        fn $f64() {
            $check::<f64>();
        }

        #[test]
        fn $half() {
            $check::<half::f16>();
            $check::<half::bf16>();
        }
    };
}

fn builds_agree<T: Bits>() {
    let n = 5000;
    for d in dists() {
        let reference: Vec<T> = generate(n, &d, KEY, 17, &opts(1, Isa::Portable)).unwrap();
        for isa in Isa::supported() {
            let got: Vec<T> = generate(n, &d, KEY, 17, &opts(1, isa)).unwrap();
            assert_eq!(bits(&got), bits(&reference), "{} {d:?} {isa:?}", T::DTYPE);
        }
    }
}

tests_per_float_type!(builds_agree: every_instruction_set_gives_the_same_bits_f32, every_instruction_set_gives_the_same_bits_f64, every_instruction_set_gives_the_same_bits_f16_bf16);

fn threads_and_slices_agree<T: Bits>() {
    // Several chunks, and a length that is not a multiple of a group.
    let n = 3 * CHUNK_BYTES / size_of::<T>() + 1234;
    for d in dists() {
        let whole: Vec<T> = generate(n, &d, KEY, 0, &opts(1, Isa::best())).unwrap();
        for threads in [2, 7] {
            let got: Vec<T> = generate(n, &d, KEY, 0, &opts(threads, Isa::best())).unwrap();
            assert_eq!(bits(&got), bits(&whole), "{} {d:?} threads={threads}", T::DTYPE);
        }
        let pooled: Vec<T> = generate(n, &d, KEY, 0, &Options::default()).unwrap();
        assert_eq!(bits(&pooled), bits(&whole), "{} {d:?} default pool", T::DTYPE);
        // Any sub-range generated alone, in place, equals that part of the whole.
        for (start, len) in
            [(0, 1), (1, 63), (63, 2), (1000, 70_001), (n - 5, 5), (CHUNK_BYTES / size_of::<T>() - 3, 9)]
        {
            let mut part = vec![T::default(); len];
            fill(&mut part, &d, KEY, start as u64, &opts(3, Isa::best())).unwrap();
            assert_eq!(bits(&part), bits(&whole[start..start + len]), "{} {d:?} range {start}+{len}", T::DTYPE);
        }
    }
}

tests_per_float_type!(threads_and_slices_agree: threads_chunks_and_slices_give_the_same_bits_f32, threads_chunks_and_slices_give_the_same_bits_f64, threads_chunks_and_slices_give_the_same_bits_f16_bf16);

/// Element i of an f16/bf16 fill is element i of the f32 fill rounded to
/// nearest even (bounded distributions: then kept inside the bound).
#[test]
fn half_elements_are_the_f32_elements_rounded() {
    let n = 20_000;
    for d in dists() {
        let wide: Vec<f32> = generate(n, &d, KEY, 5, &Options::default()).unwrap();
        let h16: Vec<half::f16> = generate(n, &d, KEY, 5, &Options::default()).unwrap();
        let hb16: Vec<half::bf16> = generate(n, &d, KEY, 5, &Options::default()).unwrap();
        let (low, high) = match d {
            Distribution::Uniform { low, high } | Distribution::TruncatedNormal { low, high, .. } => (low, high),
            _ => (f64::NEG_INFINITY, f64::INFINITY),
        };
        for i in 0..n {
            let (a, b) = (half::f16::from_f32(wide[i]), half::bf16::from_f32(wide[i]));
            let inside = |v: f64| (low..=high).contains(&v);
            if inside(f64::from(a.to_f32())) {
                assert_eq!(h16[i], a, "{d:?} f16 element {i}");
            }
            if inside(f64::from(b.to_f32())) {
                assert_eq!(hb16[i], b, "{d:?} bf16 element {i}");
            }
            assert!(inside(f64::from(h16[i].to_f32())) && inside(f64::from(hb16[i].to_f32())));
        }
    }
}

#[test]
fn seeds_and_streams_give_different_streams() {
    let d = Distribution::Uniform { low: -1.0, high: 1.0 };
    let a: Vec<f32> = generate(256, &d, Key::new(1, 0), 0, &Options::default()).unwrap();
    let b: Vec<f32> = generate(256, &d, Key::new(2, 0), 0, &Options::default()).unwrap();
    let c: Vec<f32> = generate(256, &d, Key::new(1, 1), 0, &Options::default()).unwrap();
    let same = |x: &[f32], y: &[f32]| x.iter().zip(y).filter(|(p, q)| p == q).count();
    assert!(same(&a, &b) < 3 && same(&a, &c) < 3 && same(&b, &c) < 3);
}

#[test]
fn bad_requests_are_errors_not_panics() {
    let d = Distribution::Normal { mean: 0.0, std: 1.0 };
    let mut out = vec![0f32; 8];
    // the last element index would exceed 2^64 - 1
    assert!(fill(&mut out, &d, KEY, u64::MAX - 3, &Options::default()).is_err());
    let too_many = Options { threads: NonZeroUsize::new(varscale::MAX_THREADS + 1), isa: None };
    let mut big = vec![0f32; 1 << 20];
    assert!(fill(&mut big, &d, KEY, 0, &too_many).is_err());
    // absurd sizes: an error, not an abort
    assert!(generate::<f64>(usize::MAX / 4, &d, KEY, 0, &Options::default()).is_err());
    assert!(generate::<f32>(1 << 60, &d, KEY, 0, &Options::default()).is_err());
    for isa in Isa::ALL.into_iter().filter(|i| !i.is_supported()) {
        assert!(fill(&mut out, &d, KEY, 0, &Options { threads: None, isa: Some(isa) }).is_err());
    }
}
