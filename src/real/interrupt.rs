//! Ctrl-C (SIGINT) and SIGTERM during a real run: the handler only raises a flag, which the
//! run's wall clock sees within 50 ms; the run then stops and removes everything it made. A
//! second signal while cleaning up is ignored, so cleanup is not cut short (SIGKILL still ends
//! the process; the next session sweeps what it left).

use std::sync::atomic::{AtomicBool, Ordering};

use super::RealError;

/// Raised once SIGINT or SIGTERM arrives.
pub static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn raise(_signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    STOP.store(true, Ordering::SeqCst);
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn install() -> Result<(), RealError> {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `raise` only stores to an atomic; the sigaction is fully initialised.
        let ok = unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = raise as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut()) == 0
        };
        if !ok {
            return Err(RealError::Io {
                what: format!("installing the handler of signal {signal}"),
                source: std::io::Error::last_os_error(),
            });
        }
    }
    Ok(())
}
