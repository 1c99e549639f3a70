//! Operation dispatch: one table per service, keyed by the full operation name as it
//! arrives in `X-Amz-Target` (`AmazonSSM.GetParameter`).

use crate::context::RequestContext;
use crate::protocol::json;
use crate::state::EmulatorState;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An input that could not be decoded (answered as `SerializationException`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

/// An operation as the table holds it: the request as its protocol decoded it in (the raw
/// body for awsJson, the form for awsQuery), the output out (encoded JSON for awsJson, a
/// typed value for awsQuery) or the service's typed error.
pub type Handler<E, In = [u8], Out = Vec<u8>> =
    fn(&EmulatorState, &RequestContext, &In) -> Result<Out, E>;

/// A service's operations.
pub struct DispatchTable<E: 'static, In: ?Sized + 'static = [u8], Out: 'static = Vec<u8>> {
    /// The implemented operations, sorted by full name so lookups are a binary search.
    pub operations: &'static [(&'static str, Handler<E, In, Out>)],
    /// Every operation of the service (short names), so that a real but unimplemented
    /// operation is told apart from a name that does not exist.
    pub all_operations: &'static [&'static str],
    /// The `X-Amz-Target` prefix, e.g. `AmazonSSM`.
    pub prefix: &'static str,
}

/// What a target names in a table.
pub enum Lookup<E: 'static, In: ?Sized + 'static = [u8], Out: 'static = Vec<u8>> {
    /// An implemented operation.
    Found(Handler<E, In, Out>),
    /// A real operation of the service that the emulator does not implement.
    NotImplemented,
    /// No such operation.
    Unknown,
}

impl<E, In: ?Sized, Out> DispatchTable<E, In, Out> {
    /// Finds the operation named by a full target such as `AmazonSSM.GetParameter`.
    pub fn lookup(&self, target: &str) -> Lookup<E, In, Out> {
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

impl<E, In: ?Sized, Out> DispatchTable<E, In, Out> {
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
pub fn run<I, O, E>(
    op: fn(&EmulatorState, &RequestContext, I) -> Result<O, E>,
    state: &EmulatorState,
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
                as $crate::dispatch::Handler<_>,
        )
    };
}

/// Answers an awsJson1.1 request: finds the service by the target's prefix, the
/// operation in that service's table, and runs it.
/// The SigV4 signing name of the awsJson service an `X-Amz-Target` names (`AmazonSSM.*`
/// is signed for `ssm`, `TrentService.*` for `kms`); `None` for a target no service serves
/// (it is refused as an unknown operation once authenticated).
pub fn signing_name(target: Option<&str>) -> Option<&'static str> {
    match target?.split_once('.')?.0 {
        crate::ssm::TARGET_PREFIX => Some(crate::generated::ssm::SIGNING_NAME),
        crate::kms::TARGET_PREFIX => Some(crate::generated::kms::SIGNING_NAME),
        _ => None,
    }
}

pub fn aws_json(
    state: &EmulatorState,
    ctx: &RequestContext,
    target: Option<&str>,
    body: &[u8],
) -> axum::response::Response {
    use crate::protocol::ProtocolError;
    let Some(target) = target else {
        return json::error(
            &ctx.request_id,
            &ProtocolError::UnknownOperation("(no X-Amz-Target header)".to_owned()),
        );
    };
    match target.split_once('.').map(|(prefix, _)| prefix) {
        Some(crate::ssm::TARGET_PREFIX) => run_table(&crate::ssm::TABLE, state, ctx, target, body),
        Some(crate::kms::TARGET_PREFIX) => run_table(&crate::kms::TABLE, state, ctx, target, body),
        _ => json::error(
            &ctx.request_id,
            &ProtocolError::UnknownOperation(target.to_owned()),
        ),
    }
}

fn run_table<E: crate::protocol::AwsError>(
    table: &DispatchTable<E>,
    state: &EmulatorState,
    ctx: &RequestContext,
    target: &str,
    body: &[u8],
) -> axum::response::Response {
    use crate::protocol::ProtocolError;
    match table.lookup(target) {
        Lookup::Found(handler) => match handler(state, ctx, body) {
            Ok(output) => json::success(&ctx.request_id, output),
            Err(err) => {
                tracing::debug!(target, code = err.code(), request_id = %ctx.request_id, "operation failed");
                json::error(&ctx.request_id, &err)
            }
        },
        Lookup::NotImplemented => json::error(
            &ctx.request_id,
            &ProtocolError::NotImplemented(target.to_owned()),
        ),
        Lookup::Unknown => json::error(
            &ctx.request_id,
            &ProtocolError::UnknownOperation(target.to_owned()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::generated;

    fn sorted(names: &[&'static str]) -> Vec<&'static str> {
        let mut names = names.to_vec();
        names.sort_unstable();
        names
    }

    /// Architecture invariant: every service's table knows every operation of its model
    /// (so a real operation answers NotImplementedException, never
    /// UnknownOperationException), and implements only real ones.
    #[test]
    fn tables_cover_every_operation_of_the_model() {
        assert_eq!(
            sorted(crate::ssm::TABLE.all_operations),
            generated::ssm::OPERATIONS
        );
        assert_eq!(
            sorted(crate::kms::TABLE.all_operations),
            generated::kms::OPERATIONS
        );
        assert_eq!(
            sorted(crate::sts::TABLE.all_operations),
            generated::sts::OPERATIONS
        );
        crate::ssm::TABLE.check().unwrap();
        crate::kms::TABLE.check().unwrap();
        crate::sts::TABLE.check().unwrap();
        // Lambda's routes: the model's method and request URI (the route table matches
        // the path; a query part such as `?find=LayerVersion` is the operation's own).
        let mut model: Vec<(&str, &str, &str)> = generated::lambda::ROUTES
            .iter()
            .map(|r| {
                (
                    r.method,
                    r.uri.split('?').next().unwrap_or(r.uri),
                    r.operation,
                )
            })
            .collect();
        let mut ours: Vec<(&str, &str, &str)> = crate::lambda::routes::ROUTES
            .iter()
            .map(|r| (r.method, r.template, r.name))
            .collect();
        model.sort_unstable();
        model.dedup();
        ours.sort_unstable();
        ours.dedup();
        assert_eq!(ours, model);
    }

    /// Architecture invariant: a signature is checked against the signing name the
    /// service's model gives.
    #[test]
    fn signatures_are_checked_against_the_models_signing_names() {
        assert_eq!(
            super::signing_name(Some("AmazonSSM.GetParameter")),
            Some(generated::ssm::SIGNING_NAME)
        );
        assert_eq!(
            super::signing_name(Some("TrentService.Encrypt")),
            Some(generated::kms::SIGNING_NAME)
        );
        assert_eq!(super::signing_name(Some("Nope.Op")), None);
        assert_eq!(crate::sts::SIGNING_NAME, generated::sts::SIGNING_NAME);
        assert_eq!(crate::lambda::SIGNING_NAME, generated::lambda::SIGNING_NAME);
        assert_eq!(crate::ssm::TARGET_PREFIX, generated::ssm::TARGET_PREFIX);
        assert_eq!(crate::kms::TARGET_PREFIX, generated::kms::TARGET_PREFIX);
    }
}
