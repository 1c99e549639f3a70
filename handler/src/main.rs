//! The reference scenario's function (the blog post's `lambda_function.py`, in Rust): at
//! initialisation, and only then, it loads every parameter directly under
//! `/${ENV}/${APP_CONFIG_PATH}` with decryption, parses each value as JSON into a section
//! named after the parameter's last path segment, and answers every invocation with
//! `MyApp config is {...}`.
//!
//! With tracing `Active` it reports its X-Ray subsegments as the blog's function does
//! through the X-Ray SDK (`xray`): `load_config` with each SSM call inside it (measured
//! at initialisation, reported with the environment's first invocation, whose trace the
//! initialisation belongs to) and `lambda_handler` for each invocation.
//!
//! Its SDK client is configured the standard way (region, credentials and endpoint from
//! the environment), so the same binary runs on AWS, under `cargo lambda watch`, and
//! under the emulator, which sets `AWS_ENDPOINT_URL` for its functions.

mod xray;

use aws_sdk_ssm::operation::RequestId;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The application and its configuration, built once per execution environment.
struct MyApp {
    /// Sections by name (the last segment of each parameter's name).
    config: BTreeMap<String, Value>,
}

impl MyApp {
    fn describe(&self) -> String {
        let sections = serde_json::to_string(&self.config).unwrap_or_else(|_| "{}".to_owned());
        format!("MyApp config is {sections}")
    }
}

/// Loads the configuration under `path`, following every page. On failure it reports the
/// error, as the seed's function does, and keeps what it has loaded so far. Each page's
/// call is added to `calls` (its X-Ray subsegment).
async fn load_config(
    client: &aws_sdk_ssm::Client,
    path: &str,
    calls: &mut Vec<xray::Span>,
) -> BTreeMap<String, Value> {
    let mut config = BTreeMap::new();
    let mut pages = client
        .get_parameters_by_path()
        .path(path)
        .with_decryption(true)
        .into_paginator()
        .send();
    loop {
        let start = xray::now();
        let next = pages.next().await;
        let (status, request_id) = match &next {
            None => break,
            Some(Ok(page)) => (Some(200), page.request_id().map(str::to_owned)),
            Some(Err(e)) => (
                e.raw_response().map(|r| r.status().as_u16()),
                e.as_service_error()
                    .and_then(|s| s.request_id())
                    .map(str::to_owned),
            ),
        };
        calls.push(xray::Span {
            name: "SSM".to_owned(),
            start,
            end: xray::now(),
            aws: Some(xray::AwsCall {
                service: "SSM",
                operation: "GetParametersByPath",
                status,
                request_id,
            }),
            children: Vec::new(),
        });
        match next {
            None => break,
            Some(Ok(page)) => {
                for parameter in page.parameters() {
                    let (Some(name), Some(value)) = (parameter.name(), parameter.value()) else {
                        continue;
                    };
                    let section = name.rsplit('/').next().unwrap_or(name).to_owned();
                    match serde_json::from_str::<Value>(value) {
                        Ok(values) => {
                            // Section names only: the values may be secrets.
                            println!("Found configuration: {section}");
                            config.insert(section, values);
                        }
                        Err(e) => {
                            println!("Encountered an error loading config from SSM: {name} is not JSON: {e}");
                        }
                    }
                }
            }
            Some(Err(e)) => {
                println!(
                    "Encountered an error loading config from SSM: {}",
                    sdk_error_text(&e)
                );
                break;
            }
        }
    }
    config
}

/// The error's own code and message (the SDK's Display alone says only "service error").
fn sdk_error_text<E, R>(error: &aws_sdk_ssm::error::SdkError<E, R>) -> String
where
    E: aws_sdk_ssm::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match error.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("Unknown"),
            service.message().unwrap_or_default()
        ),
        None => format!("{error}"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let env = std::env::var("ENV").unwrap_or_else(|_| "dev".to_owned());
    let app_config_path =
        std::env::var("APP_CONFIG_PATH").unwrap_or_else(|_| "parameterStoreBlog".to_owned());
    let full_config_path = format!("/{env}/{app_config_path}");
    // Initialise the client and the app at global scope, for reuse across invocations.
    let sdk_config = aws_config::load_from_env().await;
    let client = aws_sdk_ssm::Client::new(&sdk_config);
    println!("Loading config and creating new MyApp...");
    let start = xray::now();
    let mut calls = Vec::new();
    let config = load_config(&client, &full_config_path, &mut calls).await;
    let app = Arc::new(MyApp { config });
    // Reported with the first invocation: the initialisation belongs to its trace.
    let init = Arc::new(Mutex::new(Some(xray::Span::ended(
        "load_config",
        start,
        calls,
    ))));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let app = Arc::clone(&app);
        let init = Arc::clone(&init);
        async move {
            let start = xray::now();
            let answer = app.describe();
            let mut spans: Vec<xray::Span> = init
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .into_iter()
                .collect();
            spans.push(xray::Span::ended("lambda_handler", start, Vec::new()));
            if let Some(trace) = event
                .context
                .xray_trace_id
                .as_deref()
                .and_then(xray::sampled)
            {
                xray::send(&trace, &spans);
            }
            Ok::<String, Error>(answer)
        }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_every_section_as_json() {
        let app = MyApp {
            config: BTreeMap::from([
                (
                    "appConfig".to_owned(),
                    serde_json::json!({"key1": "value1"}),
                ),
                (
                    "appSecrets".to_owned(),
                    serde_json::json!({"secretKey": "secretValue"}),
                ),
            ]),
        };
        assert_eq!(
            app.describe(),
            r#"MyApp config is {"appConfig":{"key1":"value1"},"appSecrets":{"secretKey":"secretValue"}}"#
        );
    }
}
