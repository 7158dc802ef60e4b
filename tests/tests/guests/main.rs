//! Runs every guest program of `tests/guests` against native peers on loopback.
//!
//! Each module holds the runners of one behaviour family. A runner is a `pub fn` named exactly
//! like its guest program; `foreach_guest!` lists the programs, and the check below fails to
//! compile if one has no runner.

mod bypass;
mod can;
mod cli;
mod eventloop;
mod examples;
mod faults;
mod functions;
mod makefile;
mod multiplex;
mod names;
mod netlink;
mod newcomer;
mod packet;
mod peer;
mod policy;
mod policyfile;
mod python;
mod raw;
mod sockopts;
mod stdnet;
mod tcp;
mod timeouts;
mod udp;
mod unix;
mod vsock;

#[allow(unused_imports)]
use self::{
    bypass::*, can::*, cli::*, eventloop::*, faults::*, functions::*, makefile::*, multiplex::*,
    names::*, netlink::*, packet::*, policy::*, policyfile::*, python::*, raw::*, sockopts::*,
    stdnet::*, tcp::*, timeouts::*, udp::*, unix::*, vsock::*,
};

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports)]
        use self::$name as _;
    };
}
capsock_tests::foreach_guest!(assert_test_exists);
