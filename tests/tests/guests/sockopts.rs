//! Runners for the sockopts family (being written).
