//! Runners for the makefile family (being written).
