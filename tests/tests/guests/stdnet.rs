//! Runners for the stdnet family (being written).
