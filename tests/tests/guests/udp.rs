//! Runners for the udp family (being written).
