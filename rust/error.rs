//! The one error type of the core, mapped to Python exceptions once, in `py.rs`.

use core::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A distribution parameter or an option is outside its domain
    /// (Python: `ValueError`). The message names the value.
    InvalidParameter(String),
    /// The element count cannot be addressed: bytes or counter indices
    /// overflow (Python: `ValueError`).
    TooLarge { elements: u128, reason: &'static str },
    /// The allocator refused the output buffer (Python: `MemoryError`).
    OutOfMemory { bytes: u128 },
    /// The worker threads could not be started (Python: `RuntimeError`).
    ThreadPool(String),
    /// A checkpoint stopped the fill (see `with_checkpoint`; Python: the
    /// pending exception, e.g. `KeyboardInterrupt`).
    Interrupted,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidParameter(msg) => f.write_str(msg),
            Error::TooLarge { elements, reason } => write!(f, "{elements} elements: {reason}"),
            Error::OutOfMemory { bytes } => {
                write!(
                    f,
                    "cannot allocate {bytes} bytes ({:.3} GiB) for the output",
                    *bytes as f64 / (1u64 << 30) as f64
                )
            }
            Error::ThreadPool(msg) => f.write_str(msg),
            Error::Interrupted => f.write_str("the fill was interrupted"),
        }
    }
}

impl std::error::Error for Error {}
