//! `bench-fn`: the trivial Lambda function `bench --lambda` measures: it answers its event
//! unchanged, so that an Invoke's time is the emulator's and the runtime's, not the
//! function's.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(echo)).await
}
