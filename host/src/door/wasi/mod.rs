//! The wasi:sockets door: guests that use Rust's `std::net` reach the network through
//! wasmtime-wasi's wasi:sockets, which capsock wires to the guest's guard ([`sockets`]), and
//! block in wasi:io's `poll`, which capsock makes end on cancellation ([`poll`]).

mod poll;
mod sockets;

use wasmtime::component::Linker;
use wasmtime_wasi::WasiView;

use crate::ctx::CapsockView;
pub(crate) use sockets::wire;

/// Puts capsock's definitions over wasmtime-wasi's (call it after
/// `wasmtime_wasi::p2::add_to_linker_sync`): name lookups, socket counting, and cancellable
/// waits.
pub(crate) fn add_to_linker<T: WasiView + CapsockView + 'static>(
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    sockets::add_to_linker(linker)?;
    poll::add_to_linker(linker)
}
