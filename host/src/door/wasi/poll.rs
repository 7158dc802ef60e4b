//! `wasi:io/poll` for guests that block through WASI (Rust `std::net`, `std::thread::sleep`):
//! wasmtime-wasi's own `poll` and `pollable.block`, made to end when the guest's
//! [`Canceller`](crate::Canceller) cancels.
//!
//! wasi-libc waits for every blocking socket call (and every sleep) in one of these two
//! functions. wasmtime-wasi runs them as futures on its tokio runtime, out of reach of the
//! epoch interruption that stops running wasm, so without this a `host run --timeout` could
//! not stop a `std::net` guest blocked in a read until its peer spoke.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use wasmtime::component::{Linker, Resource};
use wasmtime::{Result, StoreContextMut};
use wasmtime_wasi::WasiView;
use wasmtime_wasi::p2::DynPollable;
use wasmtime_wasi::p2::bindings::io::poll::{Host as _, HostPollable as _};
use wasmtime_wasi::runtime::in_tokio;

use crate::ctx::CapsockView;
use crate::net::Canceller;

/// The interface replaced; its version is wasmtime-wasi 48's (`cli_block_std` fails if an
/// upgrade moves it and this is not updated).
const IO_POLL: &str = "wasi:io/poll@0.2.12";

/// Replaces `poll` and `[method]pollable.block` of `wasi:io/poll` with versions that also end,
/// in a trap, when the guest is cancelled. Call it after `wasmtime_wasi::p2::add_to_linker_sync`;
/// it turns shadowing on for these definitions only.
pub(crate) fn add_to_linker<T: WasiView + CapsockView + 'static>(
    linker: &mut Linker<T>,
) -> Result<()> {
    crate::door::redefine(linker, define)
}

fn define<T: WasiView + CapsockView + 'static>(linker: &mut Linker<T>) -> Result<()> {
    let mut poll = linker.instance(IO_POLL)?;
    poll.func_wrap(
        "poll",
        |mut store: StoreContextMut<'_, T>, (pollables,): (Vec<Resource<DynPollable>>,)| {
            let data = store.data_mut();
            let cancel = data.capsock().ctx.canceller().clone();
            let table = data.ctx().table;
            let ready = until_cancelled(&cancel, table.poll(pollables))??;
            Ok((ready,))
        },
    )?;
    poll.func_wrap(
        "[method]pollable.block",
        |mut store: StoreContextMut<'_, T>, (pollable,): (Resource<DynPollable>,)| {
            let data = store.data_mut();
            let cancel = data.capsock().ctx.canceller().clone();
            let table = data.ctx().table;
            until_cancelled(&cancel, table.block(pollable))?
        },
    )?;
    Ok(())
}

/// Runs `wait` on wasmtime-wasi's runtime until it completes, or fails with the cancellation
/// trap once `cancel` is cancelled (checked first, so a cancelled guest never waits).
fn until_cancelled<F: Future>(cancel: &Canceller, wait: F) -> Result<F::Output> {
    let done = in_tokio(async {
        let mut wait = pin!(wait);
        let mut cancelled = pin!(cancel.cancelled());
        std::future::poll_fn(|cx| {
            if cancelled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            wait.as_mut().poll(cx).map(Some)
        })
        .await
    });
    done.ok_or_else(|| cancel.trap_error())
}
