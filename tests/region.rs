//! A region generated alone equals that region of the whole tensor.

use std::num::NonZeroUsize;

use varscale::{fill_region, generate, generate_region, Distribution, Element, Key, Options, Region};

const KEY: Key = Key::new(77, 5);

/// Elements of `full` (C order, shape `full_shape`) inside the region.
fn slice_of<T: Copy>(full: &[T], full_shape: &[usize], start: &[usize], shape: &[usize]) -> Vec<T> {
    let n: usize = shape.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..n {
        let flat = idx.iter().zip(start).zip(full_shape).fold(0, |acc, ((&i, &s), &d)| acc * d + s + i);
        out.push(full[flat]);
        for d in (0..shape.len()).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}

fn check<T: Element + Default + PartialEq + core::fmt::Debug>(d: Distribution) {
    let full_shape = [37usize, 19, 23];
    let total: usize = full_shape.iter().product();
    let full: Vec<T> = generate(total, &d, KEY, 0, &Options::default()).unwrap();
    let regions: [([usize; 3], [usize; 3]); 6] = [
        ([0, 0, 0], [37, 19, 23]),
        ([5, 0, 0], [10, 19, 23]), // one run
        ([3, 4, 0], [7, 9, 23]),   // runs of whole rows
        ([0, 0, 7], [37, 19, 1]),  // single-element runs
        ([36, 18, 22], [1, 1, 1]),
        ([1, 2, 3], [30, 15, 17]),
    ];
    for (start, shape) in regions {
        let region = Region { full_shape: &full_shape, start: &start, shape: &shape };
        let want = slice_of(&full, &full_shape, &start, &shape);
        for threads in [None, NonZeroUsize::new(1), NonZeroUsize::new(3)] {
            let opts = Options { threads, isa: None };
            let got: Vec<T> = generate_region(&region, &d, KEY, &opts).unwrap();
            assert_eq!(got, want, "{} {d:?} region {start:?}+{shape:?} threads {threads:?}", T::DTYPE);
            let mut out = vec![T::default(); want.len()];
            fill_region(&mut out, &region, &d, KEY, &opts).unwrap();
            assert_eq!(out, want);
        }
    }
}

#[test]
fn regions_equal_the_slices_of_the_whole() {
    for d in [
        Distribution::Uniform { low: -1.0, high: 1.0 },
        Distribution::Normal { mean: 0.0, std: 1.0 },
        Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: -2.0, high: 2.0 },
    ] {
        check::<f32>(d);
        check::<f64>(d);
        check::<half::bf16>(d);
    }
}

/// Many short runs take the parallel batch path; large enough to use it.
#[test]
fn a_column_of_a_large_matrix() {
    let full_shape = [40_000usize, 64];
    let d = Distribution::Normal { mean: 0.0, std: 1.0 };
    let full: Vec<f32> = generate(40_000 * 64, &d, KEY, 0, &Options::default()).unwrap();
    let (start, shape) = ([0usize, 17], [40_000usize, 3]);
    let region = Region { full_shape: &full_shape, start: &start, shape: &shape };
    let got: Vec<f32> = generate_region(&region, &d, KEY, &Options::default()).unwrap();
    assert_eq!(got, slice_of(&full, &full_shape, &start, &shape));
}

#[test]
fn bad_regions_are_errors() {
    let d = Distribution::Uniform { low: 0.0, high: 1.0 };
    let full_shape = [4usize, 4];
    let r = Region { full_shape: &full_shape, start: &[3, 0], shape: &[2, 4] };
    assert!(generate_region::<f32>(&r, &d, KEY, &Options::default()).is_err());
    let r = Region { full_shape: &full_shape, start: &[0, 0], shape: &[2, 2] };
    let mut wrong = vec![0f32; 5];
    assert!(fill_region(&mut wrong, &r, &d, KEY, &Options::default()).is_err());
}
