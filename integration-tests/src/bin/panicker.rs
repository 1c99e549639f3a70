//! Test function: its handler panics (`lambda_runtime` reports the panic as a function
//! error, "Lambda panicked: ...", and keeps running).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    if event.payload.get("calm").is_some() {
        return Ok(serde_json::json!({ "pid": std::process::id() }));
    }
    panic!("the handler gave up");
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handle)).await
}
