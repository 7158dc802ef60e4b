//! The per-guest capsock state, its builder, and the view an embedder's store data gives out.

use std::sync::Arc;

use wasmtime::component::{HasData, ResourceTable};

use crate::audit::{AuditSink, Monitor, Stats};
use crate::guard::Guard;
use crate::net::Canceller;
use crate::net::resolve::Dns;
use crate::policy::Policy;
use crate::policy::learn::Learner;

/// The default limit on sockets one guest may hold open at once.
pub const DEFAULT_MAX_SOCKETS: usize = 1024;

/// The capsock state of one guest instance: its guard (policy, records, limits), canceller and
/// receive buffer.
#[derive(Debug)]
pub struct CapsockCtx {
    pub(crate) guard: Arc<Guard>,
    pub(crate) cancel: Arc<Canceller>,
    /// Receive buffer reused across calls, so a receive allocates only what it returns.
    pub(crate) scratch: Vec<u8>,
}

impl CapsockCtx {
    /// Starts a builder: deny-all policy, [`DEFAULT_MAX_SOCKETS`], a fresh canceller.
    pub fn builder() -> CapsockCtxBuilder {
        CapsockCtxBuilder::default()
    }

    /// The policy this guest runs under.
    pub fn policy(&self) -> &Arc<Policy> {
        self.guard.policy()
    }

    /// The canceller that interrupts this guest's blocked socket calls.
    pub fn canceller(&self) -> &Arc<Canceller> {
        &self.cancel
    }

    /// The guard every one of this guest's socket operations passes, through either door.
    pub fn guard(&self) -> &Arc<Guard> {
        &self.guard
    }

    /// How many sockets the guest holds open now, through capsock's door and (under
    /// [`crate::run`]) wasi:sockets together.
    pub fn open_sockets(&self) -> usize {
        self.guard.open_sockets()
    }

    /// The counters `--stats` prints.
    pub fn stats(&self) -> &Arc<Stats> {
        self.guard.stats()
    }
}

/// Builds a [`CapsockCtx`]. Authority is explicit: nothing is allowed unless the policy says so.
#[derive(Debug, Default)]
pub struct CapsockCtxBuilder {
    policy: Option<Arc<Policy>>,
    cancel: Option<Arc<Canceller>>,
    max_sockets: Option<usize>,
    monitor: Monitor,
    dns: Option<Dns>,
}

impl CapsockCtxBuilder {
    /// Writes one JSON line per policy decision to `sink` (see [`AuditSink`]).
    pub fn audit(mut self, sink: AuditSink) -> Self {
        self.monitor.audit = Some(sink);
        self
    }

    /// The guest's name in audit records (usually its file name).
    pub fn guest_name(mut self, name: impl Into<String>) -> Self {
        self.monitor.guest = name.into();
        self
    }

    /// Prints each distinct denial once on the host's standard error (`host: capsock
    /// policy: …`); off by default, `host run` turns it on unless `--quiet`.
    pub fn print_denials(mut self, on: bool) -> Self {
        self.monitor.print_denials = on;
        self
    }

    /// Records every allowed use into `learner` (learn mode; pair it with
    /// [`Learner::allow_everything`]).
    pub fn learn(mut self, learner: Arc<Learner>) -> Self {
        self.monitor.learn = Some(learner);
        self
    }

    /// Counts into `stats`, for the embedder to read after the run.
    pub fn stats(mut self, stats: Arc<Stats>) -> Self {
        self.monitor.stats = stats;
        self
    }

    /// The policy every socket operation is checked against (default: deny everything).
    pub fn policy(mut self, policy: impl Into<Arc<Policy>>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// Shares a canceller, e.g. one the embedder triggers on a deadline or Ctrl-C.
    pub fn canceller(mut self, cancel: Arc<Canceller>) -> Self {
        self.cancel = Some(cancel);
        self
    }

    /// The most sockets the guest may hold open at once, both doors together; past it, creating
    /// or accepting one fails with `EMFILE` (wasi:sockets: `new-socket-limit`, which wasi-libc
    /// reports as `EMFILE`).
    pub fn max_sockets(mut self, n: usize) -> Self {
        self.max_sockets = Some(n);
        self
    }

    /// Sends the guest's name lookups (both doors) to `dns` instead of the system resolver.
    pub fn dns(mut self, dns: Dns) -> Self {
        self.dns = Some(dns);
        self
    }

    /// Builds the context (creating a canceller's eventfd if none was shared).
    pub fn build(self) -> std::io::Result<CapsockCtx> {
        let cancel = match self.cancel {
            Some(c) => c,
            None => Arc::new(Canceller::new()?),
        };
        let guard = Guard::new(
            self.policy.unwrap_or_default(),
            self.monitor,
            self.max_sockets.unwrap_or(DEFAULT_MAX_SOCKETS),
            self.dns,
        );
        Ok(CapsockCtx {
            guard: Arc::new(guard),
            cancel,
            scratch: Vec::new(),
        })
    }
}

/// What the generated host traits are implemented on: the capsock state and the resource
/// table its sockets live in (shared with WASI, as wasmtime-wasi's views are).
pub struct CapsockCtxView<'a> {
    /// The capsock state.
    pub ctx: &'a mut CapsockCtx,
    /// The store's resource table.
    pub table: &'a mut ResourceTable,
}

/// Implemented by a store's data type to hand capsock its state.
pub trait CapsockView: Send {
    /// Borrows the capsock state and the resource table.
    fn capsock(&mut self) -> CapsockCtxView<'_>;
}

/// The [`HasData`] marker for capsock's bindings (wasmtime's `add_to_linker` pattern).
pub struct Capsock;

impl HasData for Capsock {
    type Data<'a> = CapsockCtxView<'a>;
}
