//! Operation dispatch: one table per service, keyed by the full operation name as it
//! arrives in `X-Amz-Target` (`AmazonSSM.GetParameter`).
//!
//! This module knows no service and no emulator state: a table is generic over what its
//! operations receive (`S`: the whole `EmulatorState` for STS and IAM, the narrow
//! `ssm::SsmServices` and `kms::KmsServices`), so services depend on it and it depends on
//! none of them. Which service a request is for is decided once, by the registry in
//! `server::SERVICES`.

use crate::context::RequestContext;
use crate::protocol::json;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An input that could not be decoded (answered as `SerializationException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

/// An operation as the table holds it: the request as its protocol decoded it in (the raw
/// body for awsJson, the form for awsQuery), the output out (encoded JSON for awsJson, a
/// typed value for awsQuery) or the service's typed error.
pub type Handler<E, In, Out, S> = fn(&S, &RequestContext, &In) -> Result<Out, E>;

/// A table entry: the full operation name and its handler.
pub type Entry<E, In, Out, S> = (&'static str, Handler<E, In, Out, S>);

/// A service's operations, run on `S` (what the service's operations receive besides the
/// request context).
pub struct DispatchTable<E: 'static, In: ?Sized + 'static, Out: 'static, S: ?Sized + 'static> {
    /// The implemented operations, sorted by full name so lookups are a binary search.
    pub operations: &'static [Entry<E, In, Out, S>],
    /// Every operation of the service (short names), so that a real but unimplemented
    /// operation is told apart from a name that does not exist.
    pub all_operations: &'static [&'static str],
    /// The `X-Amz-Target` prefix, e.g. `AmazonSSM`.
    pub prefix: &'static str,
}

/// What a target names in a table.
pub enum Lookup<E: 'static, In: ?Sized + 'static, Out: 'static, S: ?Sized + 'static> {
    /// An implemented operation.
    Found(Handler<E, In, Out, S>),
    /// A real operation of the service that the emulator does not implement.
    NotImplemented,
    /// No such operation.
    Unknown,
}

impl<E, In: ?Sized, Out, S: ?Sized> DispatchTable<E, In, Out, S> {
    /// Finds the operation named by a full target such as `AmazonSSM.GetParameter`.
    pub fn lookup(&self, target: &str) -> Lookup<E, In, Out, S> {
        if let Ok(i) = self
            .operations
            .binary_search_by(|(name, _)| (*name).cmp(target))
        {
            return Lookup::Found(self.operations[i].1);
        }
        match target
            .strip_prefix(self.prefix)
            .and_then(|t| t.strip_prefix('.'))
        {
            Some(op) if self.all_operations.contains(&op) => Lookup::NotImplemented,
            _ => Lookup::Unknown,
        }
    }
}

impl<E, In: ?Sized, Out, S: ?Sized> DispatchTable<E, In, Out, S> {
    /// Checks the table's own invariants: sorted (lookups are a binary search), and every
    /// entry a real operation of the service. Returns what is wrong.
    pub fn check(&self) -> Result<(), String> {
        let names: Vec<&str> = self.operations.iter().map(|(n, _)| *n).collect();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(format!("{} is not sorted before {}", pair[0], pair[1]));
        }
        for name in names {
            let short = name
                .strip_prefix(self.prefix)
                .and_then(|n| n.strip_prefix('.'));
            if !short.is_some_and(|op| self.all_operations.contains(&op)) {
                return Err(format!("{name} is no operation of {}", self.prefix));
            }
        }
        Ok(())
    }
}

/// Runs a typed operation on a raw body: decode the input, apply, encode the output.
pub fn run<I, O, E, S: ?Sized>(
    op: fn(&S, &RequestContext, I) -> Result<O, E>,
    state: &S,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, E>
where
    I: DeserializeOwned,
    O: Serialize,
    E: From<DecodeError>,
{
    let input = json::decode(body).map_err(|e| E::from(DecodeError(e)))?;
    op(state, ctx, input).map(|out| json::encode(&out))
}

/// Builds a table entry from an operation function: `operation!("AmazonSSM.GetParameter",
/// get::get_parameter)`.
#[macro_export]
macro_rules! operation {
    ($name:literal, $op:path) => {
        (
            $name,
            (|state, ctx, body| $crate::dispatch::run($op, state, ctx, body))
                as $crate::dispatch::Handler<_, [u8], Vec<u8>, _>,
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo(_: &(), _: &RequestContext, input: &[u8]) -> Result<Vec<u8>, DecodeError> {
        Ok(input.to_vec())
    }

    static TOY: DispatchTable<DecodeError, [u8], Vec<u8>, ()> = DispatchTable {
        operations: &[("Toy.A", echo), ("Toy.C", echo)],
        all_operations: &["A", "B", "C"],
        prefix: "Toy",
    };

    #[test]
    fn lookups_tell_implemented_unimplemented_and_unknown_apart() {
        TOY.check().unwrap();
        assert!(matches!(TOY.lookup("Toy.A"), Lookup::Found(_)));
        assert!(matches!(TOY.lookup("Toy.B"), Lookup::NotImplemented));
        assert!(matches!(TOY.lookup("Toy.D"), Lookup::Unknown));
        assert!(matches!(TOY.lookup("B"), Lookup::Unknown));
        assert!(matches!(TOY.lookup("Other.A"), Lookup::Unknown));
    }

    #[test]
    fn check_finds_unsorted_tables_and_unknown_operations() {
        let unsorted: DispatchTable<DecodeError, [u8], Vec<u8>, ()> = DispatchTable {
            operations: &[("Toy.C", echo), ("Toy.A", echo)],
            all_operations: &["A", "C"],
            prefix: "Toy",
        };
        assert!(unsorted.check().is_err());
        let unknown: DispatchTable<DecodeError, [u8], Vec<u8>, ()> = DispatchTable {
            operations: &[("Toy.Z", echo)],
            all_operations: &["A"],
            prefix: "Toy",
        };
        assert!(unknown.check().is_err());
    }
}
