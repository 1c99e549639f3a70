//! Test function: asks STS who it is through an SDK client configured only from the
//! environment Lambda gives it (credentials, region, `AWS_ENDPOINT_URL`), and answers
//! `{"arn": ARN, "account": ACCOUNT}`.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    // Made once, at initialisation, as a real function does.
    let config = aws_config::load_from_env().await;
    let sts = aws_sdk_sts::Client::new(&config);
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let sts = sts.clone();
        async move {
            let identity = sts.get_caller_identity().send().await?;
            Ok::<Value, Error>(json!({
                "arn": identity.arn(),
                "account": identity.account(),
            }))
        }
    }))
    .await
}
