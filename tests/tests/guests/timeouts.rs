//! Runners for the timeouts family (being written).
