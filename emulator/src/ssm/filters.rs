//! Parameter filters (`ParameterFilters` of GetParametersByPath and DescribeParameters,
//! and the older `Filters` of DescribeParameters): their checks and their matching.

use super::error::{validated, SsmError};
use super::model::{ParameterStringFilter, ParametersFilter};
use super::store::{Parameter, ParameterType, PathScope, RequestedTier, Tier};
use crate::protocol::validation::Validator;

/// What a filter looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterKey {
    Name,
    Type,
    KeyId,
    Path,
    Tier,
    DataType,
    Label,
    Tag(String),
}

impl FilterKey {
    fn parse(key: &str) -> Option<Self> {
        Some(match key {
            "Name" => FilterKey::Name,
            "Type" => FilterKey::Type,
            "KeyId" => FilterKey::KeyId,
            "Path" => FilterKey::Path,
            "Tier" => FilterKey::Tier,
            "DataType" => FilterKey::DataType,
            "Label" => FilterKey::Label,
            _ => FilterKey::Tag(
                key.strip_prefix("tag:")
                    .filter(|k| !k.is_empty())?
                    .to_owned(),
            ),
        })
    }
}

/// Which operation the filters belong to (each allows different keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterUse {
    ByPath,
    Describe,
}

/// One checked filter.
#[derive(Debug, Clone)]
pub struct Filter {
    pub key: FilterKey,
    pub option: String,
    pub values: Vec<String>,
}

/// The message for a path that is not a valid parameter path.
pub const INVALID_PATH: &str = "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.";

/// Whether `path` is a well-formed path: `/`, or `/a/b` (a trailing `/` allowed).
pub fn is_valid_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("//")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c))
}

fn invalid_option(option: &str, valid: &str) -> SsmError {
    SsmError::InvalidFilterOption(format!(
        "The following filter option is not valid: {option}. Valid options include: [{valid}]."
    ))
}

fn invalid_value(value: &str, valid: &str) -> SsmError {
    SsmError::InvalidFilterValue(format!(
        "The following filter value is not valid: {value}. Valid values include: [{valid}]."
    ))
}

/// The most filters one request may carry. The model bounds each filter's values (50)
/// but not the list itself, and AWS documents no bound; this stated one keeps the
/// duplicate-key check (each filter against those before it) small.
pub const MAX_FILTERS: usize = 50;

/// Refuses a filter list longer than [`MAX_FILTERS`], in the model's validation words.
fn check_filter_count(field: &str, count: usize) -> Result<(), SsmError> {
    if count > MAX_FILTERS {
        return Err(SsmError::ValidationException(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length less than or equal to {MAX_FILTERS} (the emulator's bound; the request has {count})"
        )));
    }
    Ok(())
}

/// Checks `ParameterFilters` for an operation.
pub fn parse_string_filters(
    filters: &[ParameterStringFilter],
    usage: FilterUse,
) -> Result<Vec<Filter>, SsmError> {
    check_filter_count("parameterFilters", filters.len())?;
    let mut v = Validator::new();
    for (i, f) in filters.iter().enumerate() {
        let field = |member: &str| format!("parameterFilters.{}.member.{member}", i + 1);
        if let Some(key) = v.required(&field("key"), &f.key) {
            v.length(&field("key"), key, 1, 132);
            v.pattern(
                &field("key"),
                Some(key),
                FilterKey::parse(key).is_some(),
                "tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType",
            );
        }
        v.opt_length(&field("option"), &f.option, 1, 10);
        if let Some(values) = &f.values {
            v.list_length(&field("values"), values, 1, 50);
            for value in values {
                v.length(&field("values"), value, 1, 1024);
            }
        }
    }
    validated(v.finish())?;

    let allowed: &[&str] = match usage {
        FilterUse::ByPath => &["Type", "KeyId", "Label"],
        FilterUse::Describe => &["Name", "Type", "KeyId", "Path", "Tier", "DataType", "tag:"],
    };
    let mut checked: Vec<Filter> = Vec::with_capacity(filters.len());
    for f in filters {
        let raw_key = f.key.clone().unwrap_or_default();
        let key = FilterKey::parse(&raw_key).unwrap_or(FilterKey::Name);
        let permitted = match &key {
            FilterKey::Tag(_) => allowed.contains(&"tag:"),
            _ => allowed.contains(&raw_key.as_str()),
        };
        if !permitted {
            return Err(SsmError::InvalidFilterKey(format!(
                "The following filter key is not valid: {raw_key}. Valid filter keys include: [{}].",
                allowed.join(", ")
            )));
        }
        if checked.iter().any(|c| c.key == key) {
            return Err(SsmError::InvalidFilterKey(format!(
                "The following filter is duplicated in the request: {raw_key}. A request can contain only one occurrence of a specific filter."
            )));
        }
        let values = f.values.clone().unwrap_or_default();
        if values.is_empty() && !matches!(key, FilterKey::Tag(_)) {
            return Err(SsmError::InvalidFilterValue(format!(
                "The following filter values are missing : null for filter key {raw_key}."
            )));
        }
        let option = match (&key, f.option.as_deref()) {
            (FilterKey::Path, None) => "OneLevel".to_owned(),
            (FilterKey::Path, Some(o @ ("Recursive" | "OneLevel"))) => o.to_owned(),
            (FilterKey::Path, Some(o)) => return Err(invalid_option(o, "Recursive, OneLevel")),
            (_, None) => "Equals".to_owned(),
            (FilterKey::Name, Some(o @ ("Equals" | "BeginsWith" | "Contains"))) => o.to_owned(),
            (FilterKey::Name, Some(o)) => {
                return Err(invalid_option(o, "Equals, BeginsWith, Contains"))
            }
            (FilterKey::Label | FilterKey::Type | FilterKey::Tier, Some("Equals")) => {
                "Equals".to_owned()
            }
            (FilterKey::Label | FilterKey::Type | FilterKey::Tier, Some(o)) => {
                return Err(invalid_option(o, "Equals"))
            }
            (_, Some(o @ ("Equals" | "BeginsWith"))) => o.to_owned(),
            (_, Some(o)) => return Err(invalid_option(o, "BeginsWith, Equals")),
        };
        for value in &values {
            match key {
                FilterKey::Type if ParameterType::parse(value).is_none() => {
                    return Err(invalid_value(value, "String, StringList, SecureString"))
                }
                FilterKey::Tier if RequestedTier::parse(value).is_none() => {
                    return Err(invalid_value(
                        value,
                        "Standard, Advanced, Intelligent-Tiering",
                    ))
                }
                FilterKey::Path => {
                    let first = value.trim_start_matches('/').to_ascii_lowercase();
                    if first.starts_with("aws") || first.starts_with("ssm") {
                        return Err(SsmError::ValidationException("Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). When using global parameters, please specify within a global namespace.".to_owned()));
                    }
                    if !is_valid_path(value) {
                        return Err(SsmError::ValidationException(INVALID_PATH.to_owned()));
                    }
                }
                _ => {}
            }
        }
        checked.push(Filter {
            key,
            option,
            values,
        });
    }
    Ok(checked)
}

/// Checks the older `Filters` of DescribeParameters (keys Name, Type, KeyId; Name matches
/// by prefix).
pub fn parse_legacy_filters(filters: &[ParametersFilter]) -> Result<Vec<Filter>, SsmError> {
    check_filter_count("filters", filters.len())?;
    let mut v = Validator::new();
    for (i, f) in filters.iter().enumerate() {
        let key_field = format!("filters.{}.member.key", i + 1);
        let values_field = format!("filters.{}.member.values", i + 1);
        let key = v.required(&key_field, &f.key).cloned();
        v.one_of(&key_field, key.as_deref(), &["Name", "Type", "KeyId"]);
        if let Some(values) = v.required(&values_field, &f.values) {
            v.list_length(&values_field, values, 1, 50);
        }
    }
    validated(v.finish())?;
    Ok(filters
        .iter()
        .map(|f| {
            let key =
                FilterKey::parse(f.key.as_deref().unwrap_or_default()).unwrap_or(FilterKey::Name);
            let option = if key == FilterKey::Name {
                "BeginsWith"
            } else {
                "Equals"
            };
            Filter {
                key,
                option: option.to_owned(),
                values: f.values.clone().unwrap_or_default(),
            }
        })
        .collect())
}

fn text_matches(option: &str, actual: &str, wanted: &str) -> bool {
    match option {
        "BeginsWith" => actual.starts_with(wanted),
        "Contains" => actual.contains(wanted),
        _ => actual == wanted,
    }
}

impl Filter {
    /// Whether a parameter passes this filter (judged on its newest version, except for
    /// labels, which may be on any version).
    pub fn matches(&self, parameter: &Parameter) -> bool {
        let latest = parameter.latest();
        let any = |f: &dyn Fn(&str) -> bool| self.values.iter().any(|v| f(v));
        match &self.key {
            FilterKey::Name => any(&|wanted| {
                if self.option == "Contains" {
                    parameter.name.contains(wanted)
                } else {
                    text_matches(
                        &self.option,
                        parameter.name.trim_start_matches('/'),
                        wanted.trim_start_matches('/'),
                    )
                }
            }),
            FilterKey::Type => any(&|wanted| latest.kind.as_str() == wanted),
            FilterKey::KeyId => any(&|wanted| {
                latest
                    .key_id
                    .as_deref()
                    .is_some_and(|k| text_matches(&self.option, k, wanted))
            }),
            FilterKey::Tier => any(&|wanted| match latest.tier {
                Tier::Standard => wanted == "Standard",
                Tier::Advanced => wanted == "Advanced",
            }),
            FilterKey::DataType => {
                any(&|wanted| text_matches(&self.option, &latest.data_type, wanted))
            }
            FilterKey::Label => self.labelled_version(parameter).is_some(),
            FilterKey::Path => any(&|wanted| {
                let scope = PathScope::of_path(wanted, self.option == "Recursive");
                let key = super::names::key_of(&parameter.name);
                key.strip_prefix(&scope.prefix)
                    .is_some_and(|rest| scope.recursive || !rest.contains('/'))
            }),
            FilterKey::Tag(tag) => match parameter.tags.get(tag) {
                None => false,
                Some(_) if self.values.is_empty() => true,
                Some(value) => any(&|wanted| text_matches(&self.option, value, wanted)),
            },
        }
    }

    /// For a Label filter: the index of the version carrying one of its labels.
    pub fn labelled_version(&self, parameter: &Parameter) -> Option<usize> {
        parameter
            .versions
            .iter()
            .position(|pv| pv.labels.iter().any(|l| self.values.contains(l)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(key: &str, option: Option<&str>, values: &[&str]) -> ParameterStringFilter {
        ParameterStringFilter {
            key: Some(key.to_owned()),
            option: option.map(str::to_owned),
            values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
        }
    }

    #[test]
    fn filter_lists_are_bounded() {
        let many: Vec<_> = (0..=MAX_FILTERS)
            .map(|i| filter(&format!("tag:t{i}"), None, &["v"]))
            .collect();
        assert!(matches!(
            parse_string_filters(&many, FilterUse::Describe),
            Err(SsmError::ValidationException(m)) if m.contains("less than or equal to 50")
        ));
        assert!(parse_string_filters(&many[..MAX_FILTERS], FilterUse::Describe).is_ok());
    }

    #[test]
    fn keys_are_allowed_per_operation() {
        assert!(
            parse_string_filters(&[filter("Type", None, &["String"])], FilterUse::ByPath).is_ok()
        );
        assert!(matches!(
            parse_string_filters(&[filter("Name", None, &["x"])], FilterUse::ByPath),
            Err(SsmError::InvalidFilterKey(_))
        ));
        assert!(matches!(
            parse_string_filters(&[filter("Label", None, &["x"])], FilterUse::Describe),
            Err(SsmError::InvalidFilterKey(_))
        ));
        assert!(matches!(
            parse_string_filters(&[filter("Bogus", None, &["x"])], FilterUse::Describe),
            Err(SsmError::ValidationException(_))
        ));
    }

    #[test]
    fn options_and_values_are_checked() {
        assert!(matches!(
            parse_string_filters(
                &[filter("Path", Some("Deep"), &["/a"])],
                FilterUse::Describe
            ),
            Err(SsmError::InvalidFilterOption(_))
        ));
        assert!(matches!(
            parse_string_filters(&[filter("Type", None, &["Secret"])], FilterUse::Describe),
            Err(SsmError::InvalidFilterValue(_))
        ));
        assert!(matches!(
            parse_string_filters(&[filter("Path", None, &["a/b"])], FilterUse::Describe),
            Err(SsmError::ValidationException(_))
        ));
        assert!(matches!(
            parse_string_filters(
                &[
                    filter("Type", None, &["String"]),
                    filter("Type", None, &["String"])
                ],
                FilterUse::Describe
            ),
            Err(SsmError::InvalidFilterKey(_))
        ));
        assert!(matches!(
            parse_string_filters(&[filter("Name", None, &[])], FilterUse::Describe),
            Err(SsmError::ValidationException(_))
        ));
    }
}
