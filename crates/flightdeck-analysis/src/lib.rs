//! Per-trace analyses and comparisons.

pub mod agent;
mod classify;
pub mod cohort;
pub mod conversation;
pub mod critical_path;
pub mod diff;
pub mod rag;
mod tree;

pub use classify::NodeKind;
pub use critical_path::{CriticalPath, CriticalSegment, CriticalSpan, critical_path};
