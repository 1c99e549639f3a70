//! Function logs: the lines of each invocation (the function's standard output and error
//! between the platform's `START`, `END` and `REPORT` lines), written to the emulator's
//! log as CloudWatch would hold them, and kept per invocation for `X-Amz-Log-Result`.

use std::sync::{Arc, Mutex};

/// How much of an invocation's log is kept in memory (its end; the tail Lambda returns
/// is 4 KB).
const KEPT_BYTES: usize = 256 * 1024;
/// The size of the tail returned with `X-Amz-Log-Type: Tail`.
pub const TAIL_BYTES: usize = 4096;
/// How much output a function may write per invocation (and between two invocations)
/// before the rest is dropped: what reaches the emulator's log and the invocation's log.
/// Lambda has no such limit (CloudWatch takes what it is sent); a local emulator writing
/// hundreds of megabytes of a looping function's output to its own log helps nobody.
pub const MAX_OUTPUT_BYTES: usize = 1024 * 1024;
/// How many lines of output a function may write per invocation (and between two):
/// each line costs a record in the emulator's log, whatever its length.
pub const MAX_OUTPUT_LINES: usize = 10_000;
/// How much one read turn of a pipe takes before it gives the thread back.
pub const TURN_BYTES: usize = 64 * 1024;
/// The pause between read turns while output is being dropped: the function then writes
/// at most [`TURN_BYTES`] per pause and pipe (about 6 MB/s), blocked on a full pipe in
/// between, instead of keeping a core of the emulator busy discarding its output.
pub const DROP_PACE: std::time::Duration = std::time::Duration::from_millis(10);

/// The log of one invocation.
#[derive(Debug, Default)]
pub struct InvocationLog {
    text: Mutex<String>,
}

/// The longest suffix of `text` of at most `max` bytes that starts on a character.
pub fn tail(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

impl InvocationLog {
    /// Appends one line.
    pub fn push_line(&self, line: &str) {
        let mut text = self.text.lock().unwrap_or_else(|e| e.into_inner());
        text.push_str(line);
        text.push('\n');
        if text.len() > 2 * KEPT_BYTES {
            let keep = tail(&text, KEPT_BYTES).to_owned();
            *text = keep;
        }
    }

    /// The log so far.
    pub fn text(&self) -> String {
        self.text.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The last 4 KB, as Lambda returns it.
    pub fn tail(&self) -> String {
        tail(&self.text(), TAIL_BYTES).to_owned()
    }
}

/// Milliseconds with two decimals, as Lambda writes durations.
pub fn millis(ms: f64) -> String {
    format!("{ms:.2}")
}

/// `START RequestId: ID Version: $LATEST`.
pub fn start_line(request_id: &str, version: &str) -> String {
    format!("START RequestId: {request_id} Version: {version}")
}

/// `END RequestId: ID`.
pub fn end_line(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

/// What a `REPORT` line states.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report<'a> {
    pub request_id: &'a str,
    pub duration_ms: f64,
    pub billed_ms: u64,
    pub memory_mb: u32,
    pub max_memory_used_mb: u64,
    /// Only on a cold start.
    pub init_duration_ms: Option<f64>,
}

/// `REPORT RequestId: ID\tDuration: X ms\tBilled Duration: Y ms\tMemory Size: M MB\tMax
/// Memory Used: U MB\t[Init Duration: Z ms\t]` (tab-separated, with a trailing tab).
pub fn report_line(report: &Report<'_>) -> String {
    let mut line = format!(
        "REPORT RequestId: {}\tDuration: {} ms\tBilled Duration: {} ms\tMemory Size: {} MB\tMax Memory Used: {} MB\t",
        report.request_id,
        millis(report.duration_ms),
        report.billed_ms,
        report.memory_mb,
        report.max_memory_used_mb
    );
    if let Some(init) = report.init_duration_ms {
        line.push_str(&format!("Init Duration: {} ms\t", millis(init)));
    }
    line
}

/// The billed duration: the invocation (and, on a cold start, the initialisation) rounded
/// up to the millisecond.
pub fn billed_ms(duration_ms: f64, init_duration_ms: Option<f64>) -> u64 {
    let total = duration_ms + init_duration_ms.unwrap_or(0.0);
    (total.ceil() as u64).max(1)
}

/// Where an environment's output goes: the emulator's log always, and the log of the
/// invocation in progress (output between invocations belongs to no invocation).
#[derive(Debug)]
pub struct LogSink {
    function: String,
    state: Mutex<SinkState>,
}

#[derive(Debug, Default)]
struct SinkState {
    current: Option<Arc<InvocationLog>>,
    /// Incomplete lines of stdout and stderr.
    partial: [Vec<u8>; 2],
    /// Output bytes and lines written since the invocation began (or since the last one
    /// ended).
    written: usize,
    lines: usize,
    /// Whether the budget is spent: output is dropped until the next invocation.
    exhausted: bool,
    /// Bytes dropped and not yet reported by a marker line.
    dropped: u64,
}

/// The line written where output was dropped.
pub fn dropped_line(bytes: u64) -> String {
    format!(
        "[emulator] {bytes} bytes of output dropped: a function may write at most {MAX_OUTPUT_BYTES} bytes or {MAX_OUTPUT_LINES} lines per invocation"
    )
}

/// Which of the child's streams a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout = 0,
    Stderr = 1,
}

impl LogSink {
    /// A sink for the environments of `function`.
    pub fn new(function: &str) -> Self {
        LogSink {
            function: function.to_owned(),
            state: Mutex::new(SinkState::default()),
        }
    }

    fn emit(&self, state: &SinkState, line: &str) {
        tracing::info!(target: "emulator::lambda::function", function = %self.function, "{line}");
        if let Some(log) = &state.current {
            log.push_line(line);
        }
    }

    /// Writes a line of the function's output if the budget allows; once it is spent,
    /// counts what is dropped instead.
    fn output_line(&self, state: &mut SinkState, line: &str) {
        let size = line.len() + 1;
        if state.exhausted
            || state.written + size > MAX_OUTPUT_BYTES
            || state.lines >= MAX_OUTPUT_LINES
        {
            state.exhausted = true;
            state.dropped += size as u64;
            return;
        }
        state.written += size;
        state.lines += 1;
        self.emit(state, line);
    }

    /// Writes the marker line for output dropped since the last one.
    fn report_dropped(&self, state: &mut SinkState) {
        if state.dropped > 0 {
            let line = dropped_line(state.dropped);
            state.dropped = 0;
            self.emit(state, &line);
        }
    }

    /// Ends a budget period: reports what was dropped, and gives the next period a full
    /// budget.
    fn new_period(&self, state: &mut SinkState) {
        self.report_dropped(state);
        state.written = 0;
        state.lines = 0;
        state.exhausted = false;
    }

    /// Sends the following output to `log` too.
    pub fn attach(&self, log: Arc<InvocationLog>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.new_period(&mut state);
        state.current = Some(log);
    }

    /// Stops sending output to the invocation's log. What the function writes after it
    /// (a function still flooding while its timed-out environment is stopped) spends what
    /// is left of the same budget: only the next invocation starts afresh, so one
    /// invocation puts at most the budget into the emulator's log.
    pub fn detach(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.report_dropped(&mut state);
        state.current = None;
    }

    /// Whether output is being dropped (the budget of this period is spent).
    pub fn dropping(&self) -> bool {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .exhausted
    }

    /// Writes a line of the platform's (`START`, `END`, `REPORT`, errors), after the
    /// marker of any output dropped before it.
    pub fn platform_line(&self, line: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        self.report_dropped(&mut state);
        self.emit(&state, line);
    }

    /// Takes a chunk of the child's output; complete lines are written.
    pub fn push(&self, stream: Stream, bytes: &[u8]) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.exhausted {
            // Not even split into lines: dropped output costs a counter.
            state.dropped += bytes.len() as u64;
            return;
        }
        let index = stream as usize;
        state.partial[index].extend_from_slice(bytes);
        while let Some(end) = state.partial[index].iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = state.partial[index].drain(..=end).collect();
            let text = String::from_utf8_lossy(&line[..line.len() - 1]);
            let text = text.strip_suffix('\r').unwrap_or(&text).to_owned();
            self.output_line(&mut state, &text);
            if state.exhausted {
                let rest = std::mem::take(&mut state.partial[index]);
                state.dropped += rest.len() as u64;
                return;
            }
        }
        // A line longer than the kept log is written in pieces.
        if state.partial[index].len() > KEPT_BYTES {
            let piece: Vec<u8> = std::mem::take(&mut state.partial[index]);
            self.output_line(&mut state, &String::from_utf8_lossy(&piece));
        }
    }

    /// Writes what is left of an incomplete line (the stream ended).
    pub fn flush(&self, stream: Stream) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let piece = std::mem::take(&mut state.partial[stream as usize]);
        if !piece.is_empty() {
            self.output_line(&mut state, &String::from_utf8_lossy(&piece));
        }
    }
}

/// What one read turn of a pipe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// The pipe holds nothing more for now.
    Empty,
    /// The turn's budget was used up with data still waiting.
    More,
    /// The pipe has ended (the process and everything it started closed it).
    Ended,
}

/// Reads the child's output pipes as data arrives, and on demand (so that everything a
/// function wrote before answering is in its invocation's log). Every read is a bounded
/// turn ([`TURN_BYTES`]) under its pipe's lock, so a function that floods its output
/// never holds a lock or a worker thread for longer than one turn.
#[cfg(unix)]
#[derive(Debug)]
pub struct OutputPipes {
    /// Each pipe with the lock that serialises its reads (so chunks are never reordered).
    pipes: Vec<(Stream, tokio::net::unix::pipe::Receiver, Mutex<()>)>,
    sink: Arc<LogSink>,
}

#[cfg(unix)]
impl OutputPipes {
    /// Takes the child's stdout and stderr.
    pub fn new(
        sink: Arc<LogSink>,
        stdout: Option<tokio::process::ChildStdout>,
        stderr: Option<tokio::process::ChildStderr>,
    ) -> std::io::Result<Arc<Self>> {
        use tokio::net::unix::pipe::Receiver;
        let mut pipes = Vec::new();
        if let Some(out) = stdout {
            pipes.push((
                Stream::Stdout,
                Receiver::from_owned_fd(out.into_owned_fd()?)?,
                Mutex::new(()),
            ));
        }
        if let Some(err) = stderr {
            pipes.push((
                Stream::Stderr,
                Receiver::from_owned_fd(err.into_owned_fd()?)?,
                Mutex::new(()),
            ));
        }
        Ok(Arc::new(OutputPipes { pipes, sink }))
    }

    /// One turn: reads what pipe `index` holds now, at most [`TURN_BYTES`].
    fn read_turn(&self, index: usize) -> Turn {
        let (stream, pipe, lock) = &self.pipes[index];
        let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut buffer = [0u8; 8192];
        let mut taken = 0;
        while taken < TURN_BYTES {
            match pipe.try_read(&mut buffer) {
                Ok(0) => {
                    self.sink.flush(*stream);
                    return Turn::Ended;
                }
                Ok(n) => {
                    taken += n;
                    self.sink.push(*stream, &buffer[..n]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Turn::Empty,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.sink.flush(*stream);
                    return Turn::Ended;
                }
            }
        }
        Turn::More
    }

    /// Reads what the pipes hold now: one turn each, which takes all a pipe can hold
    /// (64 KB on Linux) unless the function keeps writing.
    pub fn drain(&self) {
        for index in 0..self.pipes.len() {
            self.read_turn(index);
        }
    }

    /// Reads pipe `index` until it ends (a task per pipe), giving the worker back after
    /// every turn, and pausing between turns while the output is dropped.
    pub async fn pump(self: Arc<Self>, index: usize) {
        loop {
            if self.pipes[index].1.readable().await.is_err() {
                return;
            }
            match self.read_turn(index) {
                Turn::Ended => return,
                Turn::Empty => {}
                Turn::More => tokio::task::yield_now().await,
            }
            if self.sink.dropping() {
                tokio::time::sleep(DROP_PACE).await;
            }
        }
    }

    /// How many pipes there are.
    pub fn len(&self) -> usize {
        self.pipes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pipes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_lines_read_as_lambda_writes_them() {
        let cold = report_line(&Report {
            request_id: "abc",
            duration_ms: 12.345,
            billed_ms: billed_ms(12.345, Some(40.5)),
            memory_mb: 128,
            max_memory_used_mb: 20,
            init_duration_ms: Some(40.5),
        });
        assert_eq!(
            cold,
            "REPORT RequestId: abc\tDuration: 12.35 ms\tBilled Duration: 53 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\tInit Duration: 40.50 ms\t"
        );
        let warm = report_line(&Report {
            request_id: "abc",
            duration_ms: 1.0,
            billed_ms: billed_ms(1.0, None),
            memory_mb: 256,
            max_memory_used_mb: 21,
            init_duration_ms: None,
        });
        assert!(warm.ends_with("Max Memory Used: 21 MB\t"), "{warm}");
        assert!(!warm.contains("Init Duration"));
        assert_eq!(billed_ms(0.2, None), 1);
        assert_eq!(
            start_line("abc", "$LATEST"),
            "START RequestId: abc Version: $LATEST"
        );
        assert_eq!(end_line("abc"), "END RequestId: abc");
    }

    #[test]
    fn tails_are_at_most_4_kb_and_start_on_a_character() {
        let log = InvocationLog::default();
        for i in 0..1000 {
            log.push_line(&format!("line {i} é"));
        }
        let tail = log.tail();
        assert!(tail.len() <= TAIL_BYTES);
        assert!(tail.ends_with("line 999 é\n"));
        assert_eq!(super::tail("aé", 1), "");
        assert_eq!(super::tail("aé", 2), "é");
    }

    #[test]
    fn output_beyond_the_budget_is_dropped_with_a_marker_and_the_next_invocation_starts_afresh() {
        let sink = LogSink::new("f");
        let log = Arc::new(InvocationLog::default());
        sink.attach(Arc::clone(&log));
        let line = [b'y', b'\n'];
        let chunk: Vec<u8> = line.iter().copied().cycle().take(8192).collect();
        let mut pushed = 0usize;
        while pushed < 2 * MAX_OUTPUT_BYTES {
            sink.push(Stream::Stdout, &chunk);
            pushed += chunk.len();
        }
        assert!(sink.dropping());
        sink.platform_line("END RequestId: x");
        let text = log.text();
        assert_eq!(text.lines().filter(|l| *l == "y").count(), MAX_OUTPUT_LINES);
        // The invocation log keeps its bounded tail; what was written stays in budget.
        assert!(text.len() <= 2 * KEPT_BYTES, "{}", text.len());
        // `y` lines reach the line limit first.
        let marker = dropped_line((pushed - 2 * MAX_OUTPUT_LINES) as u64);
        assert!(
            text.ends_with(&format!("y\n{marker}\nEND RequestId: x\n")),
            "{}",
            tail(&text, 300)
        );
        // Long lines reach the byte limit instead.
        let long = "x".repeat(100_000);
        let log = Arc::new(InvocationLog::default());
        sink.attach(Arc::clone(&log));
        for _ in 0..20 {
            sink.push(Stream::Stderr, format!("{long}\n").as_bytes());
        }
        sink.platform_line("END");
        assert!(log
            .text()
            .ends_with(&format!("{}\nEND\n", dropped_line(10 * 100_001))));
        // The next invocation has a full budget again.
        let next = Arc::new(InvocationLog::default());
        sink.attach(Arc::clone(&next));
        assert!(!sink.dropping());
        sink.push(Stream::Stdout, b"fresh\n");
        assert_eq!(next.text(), "fresh\n");
    }

    #[test]
    fn output_is_split_into_lines_and_sent_to_the_attached_invocation() {
        let sink = LogSink::new("f");
        sink.push(Stream::Stdout, b"before\n");
        let log = Arc::new(InvocationLog::default());
        sink.attach(Arc::clone(&log));
        sink.push(Stream::Stdout, b"hel");
        sink.push(Stream::Stderr, b"err\r\n");
        sink.push(Stream::Stdout, b"lo\nwor");
        sink.flush(Stream::Stdout);
        sink.platform_line("END RequestId: x");
        sink.detach();
        sink.push(Stream::Stdout, b"after\n");
        assert_eq!(log.text(), "err\nhello\nwor\nEND RequestId: x\n");
    }

    /// A timed-out function that keeps writing while it is stopped gets no fresh budget
    /// once its invocation ends: what it writes then is dropped, not logged.
    #[test]
    fn output_after_an_invocation_ends_spends_the_same_budget() {
        let sink = LogSink::new("f");
        let log = Arc::new(InvocationLog::default());
        sink.attach(Arc::clone(&log));
        for _ in 0..MAX_OUTPUT_LINES + 5 {
            sink.push(Stream::Stdout, b"y\n");
        }
        assert!(sink.dropping());
        sink.detach();
        sink.push(Stream::Stdout, b"after\n");
        assert!(
            sink.dropping(),
            "output after the invocation got a fresh budget"
        );
        let next = Arc::new(InvocationLog::default());
        sink.attach(Arc::clone(&next));
        assert!(!sink.dropping());
        sink.push(Stream::Stdout, b"fresh\n");
        assert_eq!(next.text(), "fresh\n");
    }
}
