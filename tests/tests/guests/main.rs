//! Runs every guest program of `tests/guests` against native peers on loopback.
//!
//! `foreach_guest!` lists the guest programs; the check below fails to compile if one has no
//! test function of the same name here.

mod tcp;

macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports)]
        use self::tcp::$name as _;
    };
}
capsock_tests::foreach_guest!(assert_test_exists);
