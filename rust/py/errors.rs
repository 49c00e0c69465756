//! Core errors and panics as Python exceptions, in one place; and the
//! checkpoint that lets Ctrl-C stop a long fill.

use std::any::Any;
use std::cell::RefCell;

use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use crate::Error;

thread_local! {
    /// The exception raised by a signal handler during a fill on this thread.
    static PENDING: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// The Python exception for a core error.
pub(super) fn to_py(err: Error) -> PyErr {
    match err {
        Error::InvalidParameter(_) | Error::TooLarge { .. } => PyValueError::new_err(err.to_string()),
        Error::OutOfMemory { .. } => PyMemoryError::new_err(err.to_string()),
        Error::ThreadPool(_) => PyRuntimeError::new_err(err.to_string()),
        Error::Interrupted => PENDING
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| PyRuntimeError::new_err("the fill was interrupted")),
    }
}

/// A panic (a bug: the core is written not to panic) as a `RuntimeError`
/// rather than pyo3's `PanicException`, which is not an `Exception`.
pub(super) fn panic_to_py(payload: Box<dyn Any + Send>) -> PyErr {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into());
    PyRuntimeError::new_err(format!("internal error in varscale's core (please report it): {msg}"))
}

/// The checkpoint between slices of a fill running without the GIL: takes
/// the GIL for a moment and runs Python's signal handlers; an exception they
/// raise (KeyboardInterrupt) stops the fill and is re-raised by [`to_py`].
pub(super) fn check_signals() -> Result<(), Error> {
    Python::attach(|py| py.check_signals()).map_err(|e| {
        PENDING.with(|p| *p.borrow_mut() = Some(e));
        Error::Interrupted
    })
}
