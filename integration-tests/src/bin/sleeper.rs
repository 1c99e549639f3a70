//! Test function: sleeps `{"seconds": N}` (5 by default) before answering, to run past
//! its timeout. It prints a line first, so its log shows it started.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};
use std::time::Duration;

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let seconds = event
        .payload
        .get("seconds")
        .and_then(Value::as_f64)
        .unwrap_or(5.0);
    println!("sleeping {seconds} s");
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    Ok(json!({ "slept": seconds }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
