//! Runners for the cli family (being written).
