//! Benchmarks of the analyses (filled in below).

fn main() {}
