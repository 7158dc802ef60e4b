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

#![deny(missing_docs)]

pub mod audit;
mod ctx;
pub mod error;
mod glue;
pub mod net;
pub mod policy;
pub mod run;
mod wasi_poll;
mod wasi_sockets;

pub use ctx::{Capsock, CapsockCtx, CapsockCtxBuilder, CapsockCtxView, CapsockView};
pub use error::{SocketError, SocketResult};
pub use glue::add_to_linker;
pub use net::Canceller;
pub use policy::Policy;
