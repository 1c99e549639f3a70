//! SigV4 signature verification (being written).
