//! Where each statement of a policy document lies in its text as sent: the
//! `StartPosition` and `EndPosition` the simulations report with a matched statement
//! (IAM API Reference, "Statement", "Position": line and column).
//!
//! IAM's convention, from the AWS CLI's own example of `simulate-custom-policy`
//! (awscli `examples/iam/simulate-custom-policy.rst`): for the one-line policy
//! `{"Version":"2012-10-17","Statement":{...}}` whose statement object opens at the
//! 37th character and closes at the 166th, IAM answers line 1, column 38 and line 1,
//! column 167: lines and columns count from 1, and each position is the one just after
//! the statement's opening and closing brace.

/// A line and column, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// The span of each statement of `text`, in document order: the elements of the
/// top-level `Statement` array (or its one object). Empty when the text is not a policy
/// of that shape (the document was parsed already; this only locates what it holds).
pub fn statement_spans(text: &str) -> Vec<(Position, Position)> {
    /// An object or array being read.
    struct Frame {
        object: bool,
        /// In an object: whether the next string is a key, and the last key read.
        expect_key: bool,
        key: Option<String>,
        /// The top-level `Statement` array.
        statements: bool,
        /// A statement: where it opened.
        statement: Option<Position>,
    }
    let mut spans = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let (mut line, mut column) = (1u32, 0u32);
    let (mut in_string, mut escaped, mut reading_key) = (false, false, false);
    let mut buffer = String::new();
    for c in text.chars() {
        if c == '\n' {
            line += 1;
            column = 0;
            continue;
        }
        column += 1;
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                if reading_key {
                    reading_key = false;
                    if let Some(frame) = stack.last_mut() {
                        frame.key = Some(std::mem::take(&mut buffer));
                        frame.expect_key = false;
                    }
                }
            } else if reading_key {
                buffer.push(c);
            }
            continue;
        }
        // Just after this character: where IAM places a statement's ends.
        let after = Position {
            line,
            column: column + 1,
        };
        match c {
            '"' => {
                in_string = true;
                reading_key = stack.last().is_some_and(|f| f.object && f.expect_key);
                buffer.clear();
            }
            ',' => {
                if let Some(frame) = stack.last_mut() {
                    frame.expect_key = frame.object;
                }
            }
            '{' | '[' => {
                let object = c == '{';
                let (mut statements, mut statement) = (false, None);
                match stack.as_slice() {
                    [top] if top.key.as_deref() == Some("Statement") => {
                        if object {
                            statement = Some(after);
                        } else {
                            statements = true;
                        }
                    }
                    [_, array] if array.statements && object => statement = Some(after),
                    _ => {}
                }
                stack.push(Frame {
                    object,
                    expect_key: object,
                    key: None,
                    statements,
                    statement,
                });
            }
            '}' | ']' => {
                if let Some(Frame {
                    statement: Some(start),
                    ..
                }) = stack.pop()
                {
                    spans.push((start, after));
                }
            }
            _ => {}
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Position {
        Position { line, column }
    }

    #[test]
    fn the_cli_examples_statement_is_where_iam_says() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}"#;
        assert_eq!(statement_spans(text), [(at(1, 38), at(1, 167))]);
    }

    #[test]
    fn each_element_of_a_statement_array_on_its_lines() {
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\n      \"Sid\": \"b}{\\\"\",\n      \"Effect\": \"Deny\", \"Action\": [\"s3:x\"], \"Resource\": \"*\"\n    }\n  ]\n}";
        let spans = statement_spans(text);
        assert_eq!(spans.len(), 2, "{spans:?}");
        assert_eq!(spans[0], (at(4, 6), at(4, 59)));
        assert_eq!(spans[1], (at(5, 6), at(8, 6)));
    }

    #[test]
    fn nested_statement_keys_are_not_statements() {
        let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"Statement":"x"}}}]}"#;
        assert_eq!(statement_spans(text).len(), 1);
        assert!(statement_spans("not json").is_empty());
    }
}
