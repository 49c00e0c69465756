//! The batched path: every buffer of a `fill_many` call is bit-identical to
//! filling it alone, for every dtype, distribution, placement and thread
//! count, including buffers large enough to be split across threads.

use std::num::NonZeroUsize;

use varscale::{
    bf16, f16, fill, fill_many, fill_region, BufferMut, Distribution, Job, Key, Options, Placement, Region,
};

fn dists() -> Vec<Distribution> {
    vec![
        Distribution::Uniform { low: -0.3, high: 0.7 },
        Distribution::Normal { mean: 0.5, std: 2.0 },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: -2.0, high: 2.0 },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: 2.5, high: f64::INFINITY },
        Distribution::Constant { value: 0.25 },
    ]
}

fn opts(threads: usize) -> Options {
    Options { threads: NonZeroUsize::new(threads), isa: None }
}

/// Lengths from empty through a partial group to a buffer above the
/// parallel threshold (1 MiB of f32), at odd offsets.
const SIZES: [(usize, u64); 6] = [(0, 0), (1, 5), (63, 1), (4096, 0), (5000, 77), (262_147, 13)];

const FULL: [usize; 3] = [7, 300, 129];
const START: [usize; 3] = [2, 10, 3];
const SHAPE: [usize; 3] = [3, 200, 100];

#[test]
fn every_buffer_equals_its_own_fill() {
    let dists = dists();
    let n = dists.len() * SIZES.len();
    let (mut a32, mut a64, mut a16, mut ab16) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &(len, _) in SIZES.iter().cycle().take(n) {
        a32.push(vec![0f32; len]);
        a64.push(vec![0f64; len]);
        a16.push(vec![f16::ZERO; len]);
        ab16.push(vec![bf16::ZERO; len]);
    }
    let region = Region { full_shape: &FULL, start: &START, shape: &SHAPE };
    let region_len: usize = SHAPE.iter().product();
    let mut r32 = vec![0f32; region_len];
    for threads in [1, 2, 3] {
        let mut jobs = Vec::new();
        let bufs = a32.iter_mut().zip(&mut a64).zip(&mut a16).zip(&mut ab16).enumerate();
        for (i, (((b32, b64), b16), bb16)) in bufs {
            let (dist, (_, offset)) = (dists[i / SIZES.len()], SIZES[i % SIZES.len()]);
            let place = Placement::Offset(offset);
            let key = |k: u64| Key::new(99, 4 * i as u64 + k);
            jobs.push(Job { out: BufferMut::F32(b32), dist, key: key(0), place });
            jobs.push(Job { out: BufferMut::F64(b64), dist, key: key(1), place });
            jobs.push(Job { out: BufferMut::F16(b16), dist, key: key(2), place });
            jobs.push(Job { out: BufferMut::Bf16(bb16), dist, key: key(3), place });
        }
        let normal = Distribution::Normal { mean: 0.0, std: 1.0 };
        jobs.push(Job {
            out: BufferMut::F32(&mut r32),
            dist: normal,
            key: Key::new(5, 5),
            place: Placement::Region(region),
        });
        fill_many(&mut jobs, &opts(threads)).unwrap();

        for (i, &(len, offset)) in SIZES.iter().cycle().take(n).enumerate() {
            let dist = dists[i / SIZES.len()];
            let key = |k: u64| Key::new(99, 4 * i as u64 + k);
            let mut e32 = vec![0f32; len];
            fill(&mut e32, &dist, key(0), offset, &opts(1)).unwrap();
            let mut e64 = vec![0f64; len];
            fill(&mut e64, &dist, key(1), offset, &opts(1)).unwrap();
            let mut e16 = vec![f16::ZERO; len];
            fill(&mut e16, &dist, key(2), offset, &opts(1)).unwrap();
            let mut eb16 = vec![bf16::ZERO; len];
            fill(&mut eb16, &dist, key(3), offset, &opts(1)).unwrap();
            let same32 = a32[i].iter().zip(&e32).all(|(x, y)| x.to_bits() == y.to_bits());
            let same64 = a64[i].iter().zip(&e64).all(|(x, y)| x.to_bits() == y.to_bits());
            let same16 = a16[i].iter().zip(&e16).all(|(x, y)| x.to_bits() == y.to_bits());
            let sameb16 = ab16[i].iter().zip(&eb16).all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same32 && same64 && same16 && sameb16, "threads {threads}, buffer {i} ({dist:?}, {len})");
        }
        let mut e = vec![0f32; region_len];
        fill_region(&mut e, &region, &Distribution::Normal { mean: 0.0, std: 1.0 }, Key::new(5, 5), &opts(1)).unwrap();
        assert!(r32.iter().zip(&e).all(|(x, y)| x.to_bits() == y.to_bits()), "region, threads {threads}");
        for b in a32.iter_mut() {
            b.fill(0.0);
        }
    }
}

#[test]
fn a_bad_region_is_refused_before_anything_is_written() {
    let mut a = vec![0f32; 10];
    let mut b = vec![0f32; 10];
    let normal = Distribution::Normal { mean: 0.0, std: 1.0 };
    let bad = Region { full_shape: &[4, 4], start: &[3, 0], shape: &[2, 5] };
    let mut jobs = vec![
        Job { out: BufferMut::F32(&mut a), dist: normal, key: Key::new(0, 0), place: Placement::Offset(0) },
        Job { out: BufferMut::F32(&mut b), dist: normal, key: Key::new(0, 1), place: Placement::Region(bad) },
    ];
    let err = fill_many(&mut jobs, &opts(2)).unwrap_err().to_string();
    assert!(err.starts_with("buffer 1"), "{err}");
    assert!(a.iter().all(|&x| x == 0.0));
    // the range end is checked too
    let mut jobs = vec![Job {
        out: BufferMut::F32(&mut a),
        dist: normal,
        key: Key::new(0, 0),
        place: Placement::Offset(u64::MAX),
    }];
    assert!(fill_many(&mut jobs, &opts(1)).is_err());
}
