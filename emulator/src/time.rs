//! Wall-clock timestamps as the AWS JSON protocols carry them (epoch seconds, with
//! milliseconds as a fraction).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
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

impl<'de> Deserialize<'de> for Timestamp {
    /// A request's timestamp (KMS ImportKeyMaterial `ValidTo`): epoch seconds, as the
    /// SDKs send them over awsJson, a fraction being milliseconds.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        if !seconds.is_finite() {
            return Err(serde::de::Error::custom("timestamp is not a finite number"));
        }
        Ok(Timestamp((seconds * 1000.0).round() as i64))
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

    #[test]
    fn deserializes_epoch_seconds() {
        let t: Timestamp = serde_json::from_str("1700000000.123").unwrap();
        assert_eq!(t, Timestamp(1_700_000_000_123));
        let t: Timestamp = serde_json::from_str("1700000000").unwrap();
        assert_eq!(t, Timestamp(1_700_000_000_000));
        assert!(serde_json::from_str::<Timestamp>("\"soon\"").is_err());
    }
}
