//! Runners for the policy family (being written).
