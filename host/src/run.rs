//! The runner behind `host run`: one engine, a linker with WASI and capsock, and a way to run a
//! command component to its exit code.
//!
//! Guests that use Rust's `std::net` reach the network through wasi:sockets; the runner wires
//! wasmtime-wasi's address check to the same [`Policy`] and answers their name lookups with
//! capsock's resolver, name by name, so both doors obey the same rules and are audited alike.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Result, Store, UpdateDeadline};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::audit::{AuditSink, Stats};
use crate::ctx::{CapsockCtx, CapsockCtxView, CapsockView, DEFAULT_MAX_SOCKETS};
use crate::net::Canceller;
use crate::policy::Policy;
use crate::policy::learn::Learner;

mod cache;

/// The store data of a guest run by the [`Runner`]: WASI, capsock, and their shared table.
pub struct GuestState {
    wasi: WasiCtx,
    table: ResourceTable,
    capsock: CapsockCtx,
    memory: MemoryLimit,
}

/// `--max-memory`: the guest's linear memories together may hold at most `max` bytes. A
/// growth past it fails as the guest's `memory.grow` fails (it returns -1; a Rust guest then
/// aborts, a C guest's `malloc` returns NULL), and the refusal is remembered for the message.
#[derive(Debug, Default)]
struct MemoryLimit {
    max: Option<u64>,
    /// The bytes of linear memory the guest has now, all memories together.
    used: u64,
    /// The total a refused growth asked for, the last time one was refused.
    refused: Option<u64>,
}

impl wasmtime::ResourceLimiter for MemoryLimit {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        let wanted = self
            .used
            .saturating_add(desired.saturating_sub(current) as u64);
        if self.max.is_some_and(|max| wanted > max) {
            self.refused = Some(wanted);
            return Ok(false);
        }
        self.used = wanted;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        Ok(true)
    }
}

impl MemoryLimit {
    /// What to say about a run that ended in `error`, when a growth had been refused.
    fn explain(&self) -> Option<String> {
        let (max, wanted) = (self.max?, self.refused?);
        Some(format!(
            "the guest reached its memory limit (--max-memory {}): it asked for {} of linear \
             memory in all; raise --max-memory (or the policy file's max-memory) if it needs more",
            crate::policy::file::format_size(max),
            crate::policy::file::format_size(wanted),
        ))
    }
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl CapsockView for GuestState {
    fn capsock(&mut self) -> CapsockCtxView<'_> {
        CapsockCtxView {
            ctx: &mut self.capsock,
            table: &mut self.table,
        }
    }
}

/// Where a guest's standard output or error goes.
#[derive(Clone, Debug, Default)]
pub enum Output {
    /// The host's own stream.
    #[default]
    Inherit,
    /// Kept in memory, for the embedder to read after the run (tests use this).
    Capture(MemoryOutputPipe),
}

/// How to run one guest.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// The guest's `argv`, its program name first.
    pub args: Vec<String>,
    /// Environment variables the guest sees (it sees no others).
    pub env: Vec<(String, String)>,
    /// Host directories preopened for the guest, as `(host path, guest path)`.
    pub dirs: Vec<(PathBuf, String)>,
    /// The policy every socket operation is checked against.
    pub policy: Arc<Policy>,
    /// The most sockets the guest may hold at once, through capsock and wasi:sockets together.
    pub max_sockets: usize,
    /// Wall-clock limit for the whole run; past it the guest is stopped with a trap.
    pub timeout: Option<Duration>,
    /// The DNS server the guest's lookups go to, both doors (`--dns`); `None`: the system
    /// resolver.
    pub dns: Option<std::net::SocketAddr>,
    /// The most bytes of linear memory the guest may have, all its memories together (`None`:
    /// what wasm32 allows, 4 GiB a memory).
    pub max_memory: Option<u64>,
    /// Whether the guest reads the host's standard input (otherwise it reads nothing).
    pub inherit_stdin: bool,
    /// The guest's standard output.
    pub stdout: Output,
    /// The guest's standard error.
    pub stderr: Output,
    /// Where to write the audit log (`--audit`), if anywhere.
    pub audit: Option<AuditSink>,
    /// Print each distinct denial once on the host's standard error (`host run` does, unless
    /// `--quiet`).
    pub print_denials: bool,
    /// Learn mode: record every use here. The run uses [`Learner::allow_everything`] instead
    /// of `policy`.
    pub learn: Option<Arc<Learner>>,
    /// Counters to fill (`--stats`); read them after the run.
    pub stats: Option<Arc<Stats>>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            args: vec!["guest".to_owned()],
            env: Vec::new(),
            dirs: Vec::new(),
            policy: Arc::new(Policy::default()),
            max_sockets: DEFAULT_MAX_SOCKETS,
            timeout: None,
            max_memory: None,
            dns: None,
            inherit_stdin: false,
            stdout: Output::Inherit,
            stderr: Output::Inherit,
            audit: None,
            print_denials: false,
            learn: None,
            stats: None,
        }
    }
}

/// An engine and a linker with WASI (synchronous p2) and capsock, reused across runs.
pub struct Runner {
    engine: Engine,
    linker: Linker<GuestState>,
    /// Where compiled components are cached (`None`: compile on every load).
    cache: Option<PathBuf>,
}

impl Runner {
    /// Builds the engine (Cranelift, wasm backtraces, epoch interruption for deadlines) and the
    /// linker.
    pub fn new() -> Result<Self> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        crate::door::wasi::add_to_linker(&mut linker)?;
        crate::add_to_linker(&mut linker)?;
        Ok(Runner {
            engine,
            linker,
            cache: None,
        })
    }

    /// Caches compiled components in `dir` from now on (`None`: no cache, the default): see
    /// [`Runner::load`].
    pub fn with_cache(mut self, dir: Option<PathBuf>) -> Self {
        self.cache = dir;
        self
    }

    /// The cache directory `host run` uses: `$XDG_CACHE_HOME/capsock`, else
    /// `~/.cache/capsock` (`None` when neither variable holds an absolute path).
    pub fn default_cache_dir() -> Option<PathBuf> {
        cache::default_dir()
    }

    /// The engine, to compile components with.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles a command component from a `.wasm` file, or, with a cache
    /// ([`Runner::with_cache`]), takes the compiled artefact from the cache when one was stored
    /// for exactly these bytes and this engine configuration (and stores it otherwise).
    ///
    /// # Errors
    ///
    /// Each says what is wrong with the file: it does not exist or is not a regular file (a
    /// directory, a FIFO, a device: its type is checked before it is opened, and it is opened
    /// without blocking, so a FIFO cannot hang the host), it is not WebAssembly, it is a core
    /// module rather than a component, it does not compile, it imports what this runner does
    /// not provide, or it exports no `wasi:cli/run` (a library rather than a command).
    pub fn load(&self, path: &Path) -> Result<Component> {
        use std::fs::{File, FileType, OpenOptions};
        use std::io::{ErrorKind, Read};
        use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};

        use wasmtime::bail;
        use wasmtime_wasi::p2::bindings::sync::CommandPre;

        /// What a file that is not a regular file is, for the error.
        fn kind(t: FileType) -> Option<&'static str> {
            let what = [
                (t.is_dir(), "a directory"),
                (t.is_fifo(), "a FIFO (named pipe)"),
                (t.is_char_device(), "a character device"),
                (t.is_block_device(), "a block device"),
                (t.is_socket(), "a socket"),
                (!t.is_file(), "a special file (not a regular file)"),
            ];
            what.into_iter().find_map(|(is, what)| is.then_some(what))
        }

        /// Opens and reads the regular file at `path`, checking its type first.
        fn read(path: &Path) -> Result<Vec<u8>> {
            let name = path.display();
            let meta = match std::fs::metadata(path) {
                Ok(meta) => meta,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    if std::fs::symlink_metadata(path).is_ok() {
                        bail!("guest file {name} is a symbolic link to a file that does not exist");
                    }
                    bail!("guest file {name} does not exist");
                }
                Err(e) => {
                    return Err(
                        wasmtime::Error::from(e).context(format!("cannot read guest file {name}"))
                    );
                }
            };
            if let Some(what) = kind(meta.file_type()) {
                bail!("guest file {name} is {what}, not a .wasm file");
            }
            // Non-blocking, in case the path was replaced by a FIFO since: the type of what was
            // opened is checked again before anything is read.
            let mut file: File = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
                .open(path)
                .map_err(|e| {
                    wasmtime::Error::from(e).context(format!("cannot open guest file {name}"))
                })?;
            let meta = file.metadata().map_err(|e| {
                wasmtime::Error::from(e).context(format!("cannot read guest file {name}"))
            })?;
            if let Some(what) = kind(meta.file_type()) {
                bail!("guest file {name} is {what}, not a .wasm file");
            }
            let mut wasm = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
            file.read_to_end(&mut wasm).map_err(|e| {
                wasmtime::Error::from(e).context(format!("cannot read guest file {name}"))
            })?;
            Ok(wasm)
        }

        /// What the first 8 bytes say: a component, or an error saying what the file is.
        fn check_header(path: &Path, wasm: &[u8]) -> Result<()> {
            const BUILD: &str = "build the guest for wasm32-wasip2 \
                                 (cargo build --target wasm32-wasip2)";
            let name = path.display();
            if wasm.is_empty() {
                bail!("guest file {name} is empty; {BUILD}");
            }
            if !wasm.starts_with(b"\0asm") {
                bail!(
                    "guest file {name} is not WebAssembly (a WebAssembly component is expected); \
                     {BUILD}"
                );
            }
            // The version and layer fields: 1, 0 for a core module; 0x0d, 1 for a component.
            match wasm.get(4..8) {
                Some([1, 0, 0, 0]) => bail!(
                    "guest file {name} is a core WebAssembly module, not a component (as \
                     wasm32-wasip1 and wasm32-unknown-unknown build); {BUILD}"
                ),
                Some([_, _, 1, 0]) => Ok(()),
                _ => bail!(
                    "guest file {name} is not a WebAssembly component this host reads (unknown \
                     version or layer); {BUILD}"
                ),
            }
        }

        let name = path.display();
        let wasm = read(path)?;
        check_header(path, &wasm)?;
        let compiled = match &self.cache {
            None => wasmtime::CodeBuilder::new(&self.engine)
                .wasm_binary(&wasm[..], Some(path))
                .and_then(|builder| builder.compile_component()),
            Some(dir) => cache::load(&self.engine, dir, &wasm).map(|(c, _)| c),
        };
        let component =
            compiled.map_err(|e| e.context(format!("cannot load guest component {name}")))?;

        // What `run` instantiates must be a command whose imports this runner provides: say so
        // now (exit 2 in `host run`), not as a failure to instantiate (which looks like a trap).
        let pre = self.linker.instantiate_pre(&component).map_err(|e| {
            e.context(format!(
                "guest component {name} imports something this host does not provide"
            ))
        })?;
        let exports_run = component
            .component_type()
            .exports(&self.engine)
            .any(|(export, _)| export == "wasi:cli/run" || export.starts_with("wasi:cli/run@"));
        if !exports_run {
            bail!(
                "guest file {name} is a component but exports no wasi:cli/run (is it a command? \
                 build a binary for wasm32-wasip2, not a library)"
            );
        }
        CommandPre::new(pre).map_err(|e| {
            e.context(format!(
                "guest component {name} exports a wasi:cli/run this host cannot call"
            ))
        })?;
        Ok(component)
    }

    /// Runs a command component (`wasi:cli/run`) to completion and returns its exit status:
    /// 0 on success, the code it passed to `exit`, or 1 if `run` returned an error. A trap is
    /// returned as `Err`, with the guest's backtrace in its context.
    pub fn run(&self, component: &Component, config: RunConfig) -> Result<i32> {
        let cancel = Arc::new(Canceller::new()?);
        let mut wasi = WasiCtxBuilder::new();
        wasi.args(&config.args).envs(&config.env);
        if config.inherit_stdin {
            wasi.inherit_stdin();
        }
        match config.stdout {
            Output::Inherit => wasi.inherit_stdout(),
            Output::Capture(pipe) => wasi.stdout(pipe),
        };
        match config.stderr {
            Output::Inherit => wasi.inherit_stderr(),
            Output::Capture(pipe) => wasi.stderr(pipe),
        };
        for (host, guest) in &config.dirs {
            wasi.preopened_dir(host, guest, FsPerms::ReadWrite)
                .map_err(|e| e.context(format!("cannot preopen {}", host.display())))?;
        }
        let policy = match &config.learn {
            Some(_) => Arc::new(Learner::allow_everything()),
            None => config.policy.clone(),
        };
        let guest_name = config
            .args
            .first()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_owned())
            .unwrap_or_default();
        let mut builder = CapsockCtx::builder()
            .policy(policy.clone())
            .max_sockets(config.max_sockets)
            .canceller(cancel.clone())
            .guest_name(guest_name)
            .print_denials(config.print_denials);
        if let Some(sink) = config.audit {
            builder = builder.audit(sink);
        }
        if let Some(learner) = config.learn {
            builder = builder.learn(learner);
        }
        if let Some(stats) = config.stats {
            builder = builder.stats(stats);
        }
        if let Some(server) = config.dns {
            builder =
                builder.dns(crate::net::resolve::Dns::new(server).map_err(wasmtime::Error::msg)?);
        }
        let capsock = builder.build()?;
        crate::door::wasi::wire(&mut wasi, capsock.guard());
        let guard = capsock.guard().clone();
        let state = GuestState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            capsock,
            memory: MemoryLimit {
                max: config.max_memory,
                ..MemoryLimit::default()
            },
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.memory);
        // Epochs are engine-wide: another guest's deadline also ticks this store, so each tick
        // asks this guest's own canceller whether it is this guest that must stop.
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|ctx| {
            Ok(match ctx.data().capsock.canceller().reason() {
                Some(_) => UpdateDeadline::Interrupt,
                None => UpdateDeadline::Continue(1),
            })
        });

        // The deadline: one thread that wakes once, cancels blocked socket calls and bumps the
        // epoch so running wasm traps too. It is told to stop when the run ends first.
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let watchdog = config.timeout.map(|limit| {
            let engine = self.engine.clone();
            let cancel = cancel.clone();
            std::thread::spawn(move || {
                if let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(limit) {
                    // Repeated until the run ends: a call that was about to enter the kernel
                    // when the sockets were shut down is caught by the next round.
                    let reason = format!("the run exceeded its time limit of {limit:?}");
                    loop {
                        cancel.cancel(reason.as_str());
                        engine.increment_epoch();
                        if let Ok(()) | Err(RecvTimeoutError::Disconnected) =
                            done_rx.recv_timeout(Duration::from_millis(100))
                        {
                            break;
                        }
                    }
                }
            })
        });

        let result = Command::instantiate(&mut store, component, &self.linker)
            .and_then(|cmd| cmd.wasi_cli_run().call_run(&mut store));
        drop(done_tx);
        if let Some(w) = watchdog {
            let _ = w.join();
        }
        guard.finish();
        match result {
            Ok(Ok(())) => Ok(0),
            Ok(Err(())) => Ok(1),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => {
                    let e = match cancel.reason() {
                        Some(reason) => e.context(reason),
                        None => e,
                    };
                    let e = match store.data().memory.explain() {
                        Some(why) => e.context(why),
                        None => e,
                    };
                    Err(e)
                }
            },
        }
    }
}
