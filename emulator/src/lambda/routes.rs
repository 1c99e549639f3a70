//! Lambda's restJson1 routes: every operation of the API by method and path template (from
//! the botocore model), the one table through which each implemented operation is
//! reached, and the parsing of request paths against it.

use percent_encoding::percent_decode_str;

/// The operations the emulator implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    CreateFunction,
    GetFunction,
    GetFunctionConfiguration,
    ListFunctions,
    UpdateFunctionConfiguration,
    UpdateFunctionCode,
    DeleteFunction,
    Invoke,
    PublishVersion,
    ListVersionsByFunction,
    CreateAlias,
    GetAlias,
    UpdateAlias,
    DeleteAlias,
    ListAliases,
    TagResource,
    UntagResource,
    ListTags,
}

/// One operation of the API: its method, path template (`{Member}` is one path segment),
/// name, and what implements it (`None`: a real operation the emulator does not
/// implement).
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub template: &'static str,
    pub name: &'static str,
    pub operation: Option<Operation>,
}

const fn route(
    method: &'static str,
    template: &'static str,
    name: &'static str,
    operation: Option<Operation>,
) -> Route {
    Route {
        method,
        template,
        name,
        operation,
    }
}

/// Every operation of Lambda `2015-03-31`, sorted by path template.
#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    route("POST", "/2014-11-13/functions/{FunctionName}/invoke-async", "InvokeAsync", None),
    route("GET", "/2015-03-31/event-source-mappings", "ListEventSourceMappings", None),
    route("POST", "/2015-03-31/event-source-mappings", "CreateEventSourceMapping", None),
    route("DELETE", "/2015-03-31/event-source-mappings/{UUID}", "DeleteEventSourceMapping", None),
    route("GET", "/2015-03-31/event-source-mappings/{UUID}", "GetEventSourceMapping", None),
    route("PUT", "/2015-03-31/event-source-mappings/{UUID}", "UpdateEventSourceMapping", None),
    route("GET", "/2015-03-31/functions", "ListFunctions", Some(Operation::ListFunctions)),
    route("POST", "/2015-03-31/functions", "CreateFunction", Some(Operation::CreateFunction)),
    route("DELETE", "/2015-03-31/functions/{FunctionName}", "DeleteFunction", Some(Operation::DeleteFunction)),
    route("GET", "/2015-03-31/functions/{FunctionName}", "GetFunction", Some(Operation::GetFunction)),
    route("GET", "/2015-03-31/functions/{FunctionName}/aliases", "ListAliases", Some(Operation::ListAliases)),
    route("POST", "/2015-03-31/functions/{FunctionName}/aliases", "CreateAlias", Some(Operation::CreateAlias)),
    route("DELETE", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "DeleteAlias", Some(Operation::DeleteAlias)),
    route("GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "GetAlias", Some(Operation::GetAlias)),
    route("PUT", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "UpdateAlias", Some(Operation::UpdateAlias)),
    route("PUT", "/2015-03-31/functions/{FunctionName}/code", "UpdateFunctionCode", Some(Operation::UpdateFunctionCode)),
    route("GET", "/2015-03-31/functions/{FunctionName}/configuration", "GetFunctionConfiguration", Some(Operation::GetFunctionConfiguration)),
    route("PUT", "/2015-03-31/functions/{FunctionName}/configuration", "UpdateFunctionConfiguration", Some(Operation::UpdateFunctionConfiguration)),
    route("POST", "/2015-03-31/functions/{FunctionName}/invocations", "Invoke", Some(Operation::Invoke)),
    route("GET", "/2015-03-31/functions/{FunctionName}/policy", "GetPolicy", None),
    route("POST", "/2015-03-31/functions/{FunctionName}/policy", "AddPermission", None),
    route("DELETE", "/2015-03-31/functions/{FunctionName}/policy/{StatementId}", "RemovePermission", None),
    route("GET", "/2015-03-31/functions/{FunctionName}/versions", "ListVersionsByFunction", Some(Operation::ListVersionsByFunction)),
    route("POST", "/2015-03-31/functions/{FunctionName}/versions", "PublishVersion", Some(Operation::PublishVersion)),
    route("GET", "/2016-08-19/account-settings", "GetAccountSettings", None),
    route("DELETE", "/2017-03-31/tags/{Resource}", "UntagResource", Some(Operation::UntagResource)),
    route("GET", "/2017-03-31/tags/{Resource}", "ListTags", Some(Operation::ListTags)),
    route("POST", "/2017-03-31/tags/{Resource}", "TagResource", Some(Operation::TagResource)),
    route("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", "DeleteFunctionConcurrency", None),
    route("PUT", "/2017-10-31/functions/{FunctionName}/concurrency", "PutFunctionConcurrency", None),
    route("GET", "/2018-10-31/layers", "GetLayerVersionByArn", None),
    route("GET", "/2018-10-31/layers", "ListLayers", None),
    route("GET", "/2018-10-31/layers/{LayerName}/versions", "ListLayerVersions", None),
    route("POST", "/2018-10-31/layers/{LayerName}/versions", "PublishLayerVersion", None),
    route("DELETE", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}", "DeleteLayerVersion", None),
    route("GET", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}", "GetLayerVersion", None),
    route("GET", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy", "GetLayerVersionPolicy", None),
    route("POST", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy", "AddLayerVersionPermission", None),
    route("DELETE", "/2018-10-31/layers/{LayerName}/versions/{VersionNumber}/policy/{StatementId}", "RemoveLayerVersionPermission", None),
    route("DELETE", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "DeleteFunctionEventInvokeConfig", None),
    route("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "GetFunctionEventInvokeConfig", None),
    route("POST", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "UpdateFunctionEventInvokeConfig", None),
    route("PUT", "/2019-09-25/functions/{FunctionName}/event-invoke-config", "PutFunctionEventInvokeConfig", None),
    route("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config/list", "ListFunctionEventInvokeConfigs", None),
    route("GET", "/2019-09-30/functions/{FunctionName}/concurrency", "GetFunctionConcurrency", None),
    route("DELETE", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", "DeleteProvisionedConcurrencyConfig", None),
    route("GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", "GetProvisionedConcurrencyConfig", None),
    route("GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", "ListProvisionedConcurrencyConfigs", None),
    route("PUT", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", "PutProvisionedConcurrencyConfig", None),
    route("GET", "/2020-04-22/code-signing-configs", "ListCodeSigningConfigs", None),
    route("POST", "/2020-04-22/code-signing-configs", "CreateCodeSigningConfig", None),
    route("DELETE", "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}", "DeleteCodeSigningConfig", None),
    route("GET", "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}", "GetCodeSigningConfig", None),
    route("PUT", "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}", "UpdateCodeSigningConfig", None),
    route("GET", "/2020-04-22/code-signing-configs/{CodeSigningConfigArn}/functions", "ListFunctionsByCodeSigningConfig", None),
    route("DELETE", "/2020-06-30/functions/{FunctionName}/code-signing-config", "DeleteFunctionCodeSigningConfig", None),
    route("GET", "/2020-06-30/functions/{FunctionName}/code-signing-config", "GetFunctionCodeSigningConfig", None),
    route("PUT", "/2020-06-30/functions/{FunctionName}/code-signing-config", "PutFunctionCodeSigningConfig", None),
    route("GET", "/2021-07-20/functions/{FunctionName}/runtime-management-config", "GetRuntimeManagementConfig", None),
    route("PUT", "/2021-07-20/functions/{FunctionName}/runtime-management-config", "PutRuntimeManagementConfig", None),
    route("DELETE", "/2021-10-31/functions/{FunctionName}/url", "DeleteFunctionUrlConfig", None),
    route("GET", "/2021-10-31/functions/{FunctionName}/url", "GetFunctionUrlConfig", None),
    route("POST", "/2021-10-31/functions/{FunctionName}/url", "CreateFunctionUrlConfig", None),
    route("PUT", "/2021-10-31/functions/{FunctionName}/url", "UpdateFunctionUrlConfig", None),
    route("GET", "/2021-10-31/functions/{FunctionName}/urls", "ListFunctionUrlConfigs", None),
    route("POST", "/2021-11-15/functions/{FunctionName}/response-streaming-invocations", "InvokeWithResponseStream", None),
    route("GET", "/2024-08-31/functions/{FunctionName}/recursion-config", "GetFunctionRecursionConfig", None),
    route("PUT", "/2024-08-31/functions/{FunctionName}/recursion-config", "PutFunctionRecursionConfig", None),
    route("GET", "/2025-11-30/capacity-providers", "ListCapacityProviders", None),
    route("POST", "/2025-11-30/capacity-providers", "CreateCapacityProvider", None),
    route("DELETE", "/2025-11-30/capacity-providers/{CapacityProviderName}", "DeleteCapacityProvider", None),
    route("GET", "/2025-11-30/capacity-providers/{CapacityProviderName}", "GetCapacityProvider", None),
    route("PUT", "/2025-11-30/capacity-providers/{CapacityProviderName}", "UpdateCapacityProvider", None),
    route("GET", "/2025-11-30/capacity-providers/{CapacityProviderName}/function-versions", "ListFunctionVersionsByCapacityProvider", None),
    route("GET", "/2025-11-30/functions/{FunctionName}/function-scaling-config", "GetFunctionScalingConfig", None),
    route("PUT", "/2025-11-30/functions/{FunctionName}/function-scaling-config", "PutFunctionScalingConfig", None),
    route("POST", "/2025-12-01/durable-execution-callbacks/{CallbackId}/fail", "SendDurableExecutionCallbackFailure", None),
    route("POST", "/2025-12-01/durable-execution-callbacks/{CallbackId}/heartbeat", "SendDurableExecutionCallbackHeartbeat", None),
    route("POST", "/2025-12-01/durable-execution-callbacks/{CallbackId}/succeed", "SendDurableExecutionCallbackSuccess", None),
    route("DELETE", "/2025-12-01/durable-executions/{DurableExecutionArn}", "DeleteDurableExecution", None),
    route("GET", "/2025-12-01/durable-executions/{DurableExecutionArn}", "GetDurableExecution", None),
    route("POST", "/2025-12-01/durable-executions/{DurableExecutionArn}/checkpoint", "CheckpointDurableExecution", None),
    route("GET", "/2025-12-01/durable-executions/{DurableExecutionArn}/history", "GetDurableExecutionHistory", None),
    route("POST", "/2025-12-01/durable-executions/{DurableExecutionArn}/pause", "PauseDurableExecution", None),
    route("POST", "/2025-12-01/durable-executions/{DurableExecutionArn}/resume", "ResumeDurableExecution", None),
    route("GET", "/2025-12-01/durable-executions/{DurableExecutionArn}/state", "GetDurableExecutionState", None),
    route("POST", "/2025-12-01/durable-executions/{DurableExecutionArn}/stop", "StopDurableExecution", None),
    route("GET", "/2025-12-01/functions/{FunctionName}/durable-executions", "ListDurableExecutionsByFunction", None),
    route("DELETE", "/2026-07-09/resource-policy/{ResourceArn}", "DeleteResourcePolicy", None),
    route("GET", "/2026-07-09/resource-policy/{ResourceArn}", "GetResourcePolicy", None),
    route("PUT", "/2026-07-09/resource-policy/{ResourceArn}", "PutResourcePolicy", None),
];

/// A request matched to its route, with the path members it carries (percent-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub name: &'static str,
    pub operation: Option<Operation>,
    /// `(member, value)` pairs in path order, e.g. `("FunctionName", "my-function")`.
    pub members: Vec<(&'static str, String)>,
}

impl Matched {
    /// The value of a path member.
    pub fn member(&self, name: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(member, _)| *member == name)
            .map(|(_, value)| value.as_str())
    }
}

fn match_template(template: &'static str, path: &str) -> Option<Vec<(&'static str, String)>> {
    let mut members = Vec::new();
    let mut given = path.trim_end_matches('/').split('/');
    for expected in template.split('/') {
        let segment = given.next()?;
        if let Some(member) = expected.strip_prefix('{').and_then(|m| m.strip_suffix('}')) {
            if segment.is_empty() {
                return None;
            }
            let value = percent_decode_str(segment).decode_utf8().ok()?;
            members.push((member, value.into_owned()));
        } else if segment != expected {
            return None;
        }
    }
    given.next().is_none().then_some(members)
}

/// The route a method and (still encoded) path name, if any operation of Lambda lives
/// there.
pub fn lookup(method: &str, path: &str) -> Option<Matched> {
    ROUTES.iter().find_map(|route| {
        if !route.method.eq_ignore_ascii_case(method) {
            return None;
        }
        match_template(route.template, path).map(|members| Matched {
            name: route.name,
            operation: route.operation,
            members,
        })
    })
}

/// Whether a path lies under one of Lambda's API versions (so that an unknown method or
/// path there is answered in Lambda's shape).
pub fn is_lambda_path(path: &str) -> bool {
    ROUTES.iter().any(|route| {
        let version = route.template.split('/').nth(1).unwrap_or("");
        path.strip_prefix('/')
            .and_then(|p| p.strip_prefix(version))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implemented_operations_are_found_by_method_and_path() {
        let cases = [
            ("POST", "/2015-03-31/functions", Operation::CreateFunction, None),
            ("GET", "/2015-03-31/functions", Operation::ListFunctions, None),
            ("GET", "/2015-03-31/functions/", Operation::ListFunctions, None),
            ("GET", "/2015-03-31/functions/f1", Operation::GetFunction, Some("f1")),
            ("DELETE", "/2015-03-31/functions/f1", Operation::DeleteFunction, Some("f1")),
            (
                "GET",
                "/2015-03-31/functions/f1/configuration",
                Operation::GetFunctionConfiguration,
                Some("f1"),
            ),
            (
                "PUT",
                "/2015-03-31/functions/f1/configuration",
                Operation::UpdateFunctionConfiguration,
                Some("f1"),
            ),
            ("PUT", "/2015-03-31/functions/f1/code", Operation::UpdateFunctionCode, Some("f1")),
            (
                "POST",
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af1/invocations",
                Operation::Invoke,
                Some("arn:aws:lambda:us-east-1:123456789012:function:f1"),
            ),
        ];
        for (method, path, operation, name) in cases {
            let matched = lookup(method, path).unwrap_or_else(|| panic!("{method} {path}"));
            assert_eq!(matched.operation, Some(operation), "{method} {path}");
            assert_eq!(matched.member("FunctionName"), name, "{method} {path}");
        }
    }

    #[test]
    fn real_but_unimplemented_operations_are_named() {
        let matched = lookup("GET", "/2015-03-31/functions/f1/policy").unwrap();
        assert_eq!(matched.name, "GetPolicy");
        assert_eq!(matched.operation, None);
        let matched = lookup("GET", "/2015-03-31/functions/f1/aliases/live").unwrap();
        assert_eq!(matched.operation, Some(Operation::GetAlias));
        assert_eq!(matched.member("Name"), Some("live"));
        let matched = lookup("GET", "/2016-08-19/account-settings").unwrap();
        assert_eq!(matched.name, "GetAccountSettings");
    }

    #[test]
    fn other_methods_and_paths_match_nothing() {
        assert!(lookup("PATCH", "/2015-03-31/functions/f1").is_none());
        assert!(lookup("GET", "/2015-03-31/functions/f1/nothing").is_none());
        assert!(lookup("GET", "/2015-03-31/functions//configuration").is_none());
        assert!(lookup("POST", "/").is_none());
        assert!(is_lambda_path("/2015-03-31/functions/x/y/z"));
        assert!(!is_lambda_path("/_emulator/health"));
        assert!(!is_lambda_path("/2015-03-310"));
    }

    #[test]
    fn every_implemented_operation_has_exactly_one_route() {
        let implemented: Vec<Operation> = ROUTES.iter().filter_map(|r| r.operation).collect();
        assert_eq!(implemented.len(), 18);
        for op in &implemented {
            assert_eq!(implemented.iter().filter(|o| *o == op).count(), 1);
        }
    }
}
