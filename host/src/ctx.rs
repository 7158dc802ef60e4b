//! The per-guest capsock state, its builder, and the view an embedder's store data gives out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use wasmtime::component::{HasData, ResourceTable};

use crate::audit::{AuditSink, Event, Monitor, Stats, Subject};
use crate::net::Canceller;
use crate::policy::Policy;
use crate::policy::learn::Learner;

/// The default limit on sockets one guest may hold open at once.
pub const DEFAULT_MAX_SOCKETS: usize = 1024;

/// The capsock state of one guest instance: its policy, limits and canceller.
#[derive(Debug)]
pub struct CapsockCtx {
    pub(crate) policy: Arc<Policy>,
    pub(crate) cancel: Arc<Canceller>,
    pub(crate) max_sockets: usize,
    /// Sockets the guest holds now, through both doors: capsock's glue and the wasi:sockets
    /// wrappers (which run in the store too) take and free slots in this one count.
    pub(crate) open_sockets: usize,
    /// Receive buffer reused across calls, so a receive allocates only what it returns.
    pub(crate) scratch: Vec<u8>,
    /// Audit, denial reports, learning and statistics, shared with the wasi:sockets door.
    pub(crate) monitor: Arc<Monitor>,
    /// The names this guest resolved, by address, through either door: a connect or send to an
    /// address it obtained from a name that a rule allows is allowed
    /// ([`Policy::check_resolved`]).
    pub(crate) resolved: ResolvedNames,
}

impl CapsockCtx {
    /// Starts a builder: deny-all policy, [`DEFAULT_MAX_SOCKETS`], a fresh canceller.
    pub fn builder() -> CapsockCtxBuilder {
        CapsockCtxBuilder::default()
    }

    /// The policy this guest runs under.
    pub fn policy(&self) -> &Arc<Policy> {
        &self.policy
    }

    /// The canceller that interrupts this guest's blocked socket calls.
    pub fn canceller(&self) -> &Arc<Canceller> {
        &self.cancel
    }

    /// How many sockets the guest holds open now, through capsock's door and (under
    /// [`crate::run`]) wasi:sockets together.
    pub fn open_sockets(&self) -> usize {
        self.open_sockets
    }

    /// The counters `--stats` prints.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.monitor.stats
    }
}

/// Builds a [`CapsockCtx`]. Authority is explicit: nothing is allowed unless the policy says so.
#[derive(Debug, Default)]
pub struct CapsockCtxBuilder {
    policy: Option<Arc<Policy>>,
    cancel: Option<Arc<Canceller>>,
    max_sockets: Option<usize>,
    monitor: Monitor,
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

    /// Builds the context (creating a canceller's eventfd if none was shared).
    pub fn build(self) -> std::io::Result<CapsockCtx> {
        let cancel = match self.cancel {
            Some(c) => c,
            None => Arc::new(Canceller::new()?),
        };
        Ok(CapsockCtx {
            policy: self.policy.unwrap_or_default(),
            cancel,
            max_sockets: self.max_sockets.unwrap_or(DEFAULT_MAX_SOCKETS),
            open_sockets: 0,
            scratch: Vec::new(),
            monitor: Arc::new(self.monitor),
            resolved: ResolvedNames::default(),
        })
    }
}

/// Most addresses one guest's resolved-name map holds (a guest could otherwise grow it without
/// bound by resolving names forever).
const MAX_RESOLVED: usize = 4096;

/// Most names remembered for one address.
const MAX_NAMES_PER_ADDRESS: usize = 16;

/// The names a guest obtained addresses from, by address (canonical: IPv4-mapped IPv6 as
/// IPv4), filled by the lookups of both doors and read by both doors' connects and sends.
///
/// One map behind a lock, shared by handle: wasi:sockets' address check runs outside the store
/// (wasmtime-wasi calls it with no access to it), so it holds a clone of this handle.
#[derive(Clone, Debug, Default)]
pub(crate) struct ResolvedNames(Arc<Mutex<HashMap<IpAddr, Vec<String>>>>);

impl ResolvedNames {
    /// Calls `f` with the names `ip` was obtained from (none if it was not obtained by a
    /// lookup), under the lock.
    pub(crate) fn with_names<R>(&self, ip: IpAddr, f: impl FnOnce(&[String]) -> R) -> R {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(map.get(&ip.to_canonical()).map_or(&[], Vec::as_slice))
    }

    /// Records that `addrs` were obtained by resolving `name`, up to the limits.
    fn insert(&self, name: &str, addrs: impl Iterator<Item = IpAddr>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for ip in addrs {
            let ip = ip.to_canonical();
            if map.len() >= MAX_RESOLVED && !map.contains_key(&ip) {
                continue;
            }
            let names = map.entry(ip).or_default();
            if names.len() < MAX_NAMES_PER_ADDRESS && !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
}

impl CapsockCtx {
    /// Decides a forward lookup of `name` by the `resolve` rules and reports the decision to
    /// the monitor (audit, denial on stderr, stats) as `event`. Numeric hosts and the empty
    /// name ask no one about a name, so they need no rule and are not reported.
    ///
    /// Both doors call this before any query: capsock's resolver functions and wasi:sockets'
    /// `resolve-addresses`. `Err` carries the denial message
    /// (`capsock policy: resolve NAME denied …`).
    pub(crate) fn check_lookup(&self, event: Event, name: &str) -> Result<(), String> {
        if name.is_empty() || crate::policy::is_numeric_host(name) {
            return Ok(());
        }
        let decision = self.policy.check_resolve(name);
        self.monitor.decided(event, Subject::Name(name), &decision);
        if decision.is_allowed() {
            Ok(())
        } else {
            Err(decision.denial_message(
                crate::policy::Verb::Resolve,
                crate::policy::Proto::Tcp,
                &name,
            ))
        }
    }

    /// Remembers that this guest obtained `addrs` by resolving `name` (through either door),
    /// so that a connect or send to one of them is decided by the rules for `name` too, and
    /// tells a learner, which then writes the name instead of the addresses.
    pub(crate) fn remember(&mut self, name: &str, addrs: impl Iterator<Item = IpAddr> + Clone) {
        if name.is_empty() || name.parse::<IpAddr>().is_ok() {
            return;
        }
        if self.monitor.learning() {
            let list = addrs.clone().collect::<Vec<_>>();
            self.monitor.resolved(name, || list);
        }
        self.resolved.insert(name, addrs);
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
