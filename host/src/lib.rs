//! capsock-host: give WebAssembly guests real operating-system sockets, with the API of
//! Python's `socket` module, behind a capability policy that the person running them controls.
//!
//! An embedder adds capsock to its own wasmtime [`Linker`](wasmtime::component::Linker) in a
//! few lines:
//!
//! ```no_run
//! use capsock_host::{CapsockCtx, CapsockCtxView, CapsockView, Policy};
//! use wasmtime::component::{Linker, ResourceTable};
//!
//! struct MyState {
//!     table: ResourceTable,
//!     capsock: CapsockCtx,
//! }
//!
//! impl CapsockView for MyState {
//!     fn capsock(&mut self) -> CapsockCtxView<'_> {
//!         CapsockCtxView { ctx: &mut self.capsock, table: &mut self.table }
//!     }
//! }
//!
//! # fn main() -> wasmtime::Result<()> {
//! let mut policy = Policy::default();
//! policy.allow("connect tcp://127.0.0.1:6379")?;
//! let engine = wasmtime::Engine::default();
//! let mut linker = Linker::<MyState>::new(&engine);
//! capsock_host::add_to_linker(&mut linker)?;
//! let state = MyState {
//!     table: ResourceTable::new(),
//!     capsock: CapsockCtx::builder().policy(policy).build()?,
//! };
//! # let _ = state;
//! # Ok(())
//! # }
//! ```
//!
//! [`run`] holds the runner behind the `host run` command, for embedders that want the whole
//! thing: WASI for the guest's std (with wasi:sockets under the same policy, name lookups
//! included) plus capsock.

//! # The layers
//!
//! ```text
//!  guest (wasm) ── capsock:sockets ──┐          ┌── wasi:sockets, wasi:io/poll (std::net)
//!                                   door::capsock  door::wasi
//!                                        └──── guard ────┘   decides, records, counts; permits
//!                                               │  policy    rules, parsing, matching (pure)
//!                                               ▼
//!                                              net           system calls; takes permits
//! ```
//!
//! - A **door** is one way a guest reaches the host: [`door::capsock`](crate::door) (capsock's
//!   WIT, one file per interface) and the wasi:sockets door (guests that use `std::net`). A
//!   door converts values, asks the guard, calls `net` with the permit, converts the result.
//! - The [`guard`] is the one place that decides: it owns the [`Policy`], the records (audit,
//!   printed denials, `--learn`, `--stats`), the names the guest resolved and the socket count,
//!   and turns a decision into a [`guard::Permit`] or a [`guard::Denied`]. `host policy
//!   explain` asks the same decision functions ([`guard::explain`]).
//! - The [`policy`] is pure: rules, their grammar, normalisation and matching.
//! - The net core (`net`, private) makes the system calls; its bind, listen, connect and sends
//!   to an address take a permit only the guard can make, so skipping the guard does not
//!   compile.
//!
//! Where to add things:
//! - **a socket option**: one row in `net/sockopt.rs`'s table;
//! - **a policy verb**: the `Verb` enum and its row of facts in `policy/rule.rs` (name,
//!   protocols, end, audit event, example, help: the parser, messages, `explain`, `--learn`
//!   and the CLI help read them), then its decision in `policy/mod.rs` and a guard method;
//! - **a WIT function**: the WIT in `wit/`, then the method in the door's file for that
//!   interface (`door/capsock/socket.rs` …), asking the guard for anything that reaches
//!   outside the guest.

#![deny(missing_docs)]

pub mod audit;
mod ctx;
mod door;
pub mod error;
pub mod guard;
mod net;
pub mod policy;
pub mod run;

/// The fuzzing driver of capsock's door (feature `fuzzing`, for `fuzz/`).
#[cfg(feature = "fuzzing")]
pub use door::capsock::fuzz;

pub use ctx::{Capsock, CapsockCtx, CapsockCtxBuilder, CapsockCtxView, CapsockView};
pub use door::capsock::add_to_linker;
pub use error::{SocketError, SocketResult};
pub use net::{Cancelled, Canceller};
pub use policy::Policy;
