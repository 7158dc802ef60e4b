//! `capsock:sockets/types`: the error conversion.

use super::bindings::capsock::sockets::types::{Error, Host, OsError, ResolverError};
use crate::ctx::CapsockCtxView;
use crate::error::SocketError;

impl Host for CapsockCtxView<'_> {
    fn convert_error(&mut self, err: SocketError) -> wasmtime::Result<Error> {
        Ok(match err {
            SocketError::Os(errno, message) => Error::Os(OsError {
                errno: errno.raw_os_error(),
                message,
            }),
            SocketError::Timeout => Error::Timeout,
            SocketError::Gai(code, message) => Error::Gai(ResolverError { code, message }),
            SocketError::H(code, message) => Error::H(ResolverError { code, message }),
            SocketError::Cancelled(reason) => {
                return Err(SocketError::cancellation_trap(&reason));
            }
            SocketError::Trap(e) => return Err(e),
        })
    }
}
