//! varscale: variance-scaling weight initialisation at memory speed.
//!
//! Every output element is a pure function of `(seed, stream, element index,
//! distribution parameters)`: an ARS4x32-7 counter block (AES rounds) feeds a
//! rejection-free transform (symmetric uniform, Box-Muller normal, or
//! inverse-CDF truncated normal). Results are therefore bit-identical for
//! any thread count, chunking or SIMD build, and any slice of a tensor can be
//! generated on its own.
//!
//! This crate is the core: no Python here. `rust/py.rs` (feature `python`)
//! wraps [`fill`] and [`generate`] for the `varscale` Python package, where
//! the fan and gain arithmetic of Xavier/He/LeCun lives.
//!
//! ```
//! use varscale::{generate, Distribution, Key, Options};
//! // Xavier-uniform bound for fan_in = 256, fan_out = 128
//! let a = (6.0f64 / (256.0 + 128.0)).sqrt();
//! let xavier = Distribution::uniform(-a, a).unwrap(); // checks the parameters
//! let w: Vec<f32> = generate(128 * 256, &xavier, Key::new(42, 0), 0, &Options::default()).unwrap();
//! assert!(w.iter().all(|x| x.abs() <= a as f32));
//! ```
#![deny(unsafe_code)]
// Kernels index several per-lane arrays in lockstep (`x[i]`, `w[i]`, `p[i]`);
// that is the shape the loop vectoriser handles best, so keep the index loops.
#![allow(clippy::needless_range_loop)]

// Layers, each using only those above it in this list (no cycles):
// isa, dtype, error, math -> rng -> buffer -> sampler -> kernel -> dispatch
// -> pool -> parallel -> distribution -> fill -> region -> batch -> py.
mod batch;
mod buffer;
mod dispatch;
mod distribution;
mod dtype;
mod error;
mod fill;
mod isa;
mod kernel;
pub mod math;
mod parallel;
mod pool;
mod region;
pub mod rng;
pub mod sampler;

#[cfg(feature = "python")]
mod py;

pub use batch::{fill_many, BufferMut, Job, Placement};
pub use distribution::{Distribution, MIN_WIDTH_IN_STD, NORMAL_REACH};
pub use dtype::Dtype;
pub use error::Error;
pub use fill::{fill, fill_bits, generate, Element, Options};
/// The 16-bit output types (from the `half` crate).
pub use half::{bf16, f16};
pub use isa::{Backend, Isa};
pub use parallel::{with_checkpoint, Checkpoint, CHUNK_BYTES, PARALLEL_MIN_BYTES, SLICE_BYTES};
pub use pool::{default_threads, max_useful_threads, MAX_THREADS, THREADS_PER_CORE_CAP};
pub use region::{fill_region, generate_region, Region};
pub use rng::{Ars4x32, Ars4x32_7, CounterRng, Key, Philox4x32_10, Threefry4x32_20};
