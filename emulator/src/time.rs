//! Wall-clock timestamps as the AWS JSON protocols carry them (epoch seconds, with
//! milliseconds as a fraction).

use serde::{Serialize, Serializer};
use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time, kept in epoch milliseconds and written as a JSON number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp(millis)
    }

    /// Seconds since the epoch, with milliseconds as the fraction.
    pub fn as_epoch_seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_epoch_seconds())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_epoch_seconds_number() {
        let json = serde_json::to_string(&Timestamp(1_700_000_000_123)).unwrap();
        assert_eq!(json, "1700000000.123");
    }
}
