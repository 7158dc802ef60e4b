//! Runners for the functions family (being written).
