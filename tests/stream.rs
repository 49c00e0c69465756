//! Streaming stores (runs of whole groups of at least `STREAM_MIN_BYTES`
//! of a sampler that streams, e.g. the uniform)
//! change how bytes reach memory, never which: a long fill equals the same
//! elements filled in short pieces (ordinary stores), for every dtype,
//! instruction-set build, start alignment of the buffer and stream offset.

use std::num::NonZeroUsize;

use varscale::{bf16, f16, fill, Distribution, Element, Isa, Key, Options, STREAM_MIN_BYTES};

fn check<T: Element + Default + PartialEq + core::fmt::Debug>(isa: Isa) {
    let d = Distribution::Uniform { low: -1.0, high: 3.0 };
    let key = Key::new(11, 12);
    let len = 3 * STREAM_MIN_BYTES / size_of::<T>() + 777;
    let piece = 4096; // far below the streaming threshold
    let o = Options { threads: NonZeroUsize::new(1), isa: Some(isa) };
    for (shift, offset) in [(0usize, 0u64), (1, 0), (3, 5), (7, 64), (13, 1000)] {
        // `shift` moves the start off 64-byte alignment by whole elements
        let mut backing = vec![T::default(); len + 32];
        let long = &mut backing[shift..shift + len];
        fill(long, &d, key, offset, &o).unwrap();
        let mut short = vec![T::default(); len];
        for (i, p) in short.chunks_mut(piece).enumerate() {
            fill(p, &d, key, offset + (i * piece) as u64, &o).unwrap();
        }
        assert!(long == &short[..], "{} {} shift {shift} offset {offset}", T::DTYPE, isa.name());
    }
}

#[test]
fn streamed_fills_equal_short_fills() {
    for isa in Isa::supported() {
        check::<f32>(isa);
        check::<f64>(isa);
        check::<f16>(isa);
        check::<bf16>(isa);
    }
}
