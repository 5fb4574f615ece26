//! The stdio transport: one JSON-RPC message per line, in both directions.
//!
//! rmcp's own line transport drops what it cannot use without a word (unparsable lines,
//! lines over its limit). An assistant deserves an answer, so this one answers them, as
//! JSON-RPC 2.0 says, and keeps serving:
//!
//! * a line that is not JSON: `-32700` parse error (no id: none could be read);
//! * JSON that is not a JSON-RPC message (a number, a request without `method`, ...):
//!   `-32600` invalid request, with the request's id when it has one;
//! * a line longer than the limit: `-32600` "request too large", without ever buffering
//!   more than the limit (the rest of the line is skipped as it arrives).
//!
//! Unknown methods, unknown tools and wrong arguments are answered by the session itself
//! (`-32601`, `-32602`).

use std::sync::Arc;

use rmcp::model::{ErrorCode, ErrorData, RequestId};
use rmcp::service::{RoleServer, RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// A JSON-lines transport over any reader and writer, with a bound on one line.
pub struct JsonLines<R, W> {
    read: BufReader<R>,
    line: Vec<u8>,
    max: usize,
    discarding: bool,
    write: Arc<Mutex<Option<W>>>,
}

impl<R, W> std::fmt::Debug for JsonLines<R, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLines")
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

enum Line {
    Complete,
    Oversized,
    Eof,
}

impl<R: AsyncRead + Unpin + Send, W: AsyncWrite + Unpin + Send + 'static> JsonLines<R, W> {
    /// A transport reading `read` and writing `write`; a line may hold at most `max` bytes
    /// (its newline included).
    pub fn new(read: R, write: W, max: usize) -> JsonLines<R, W> {
        JsonLines {
            read: BufReader::new(read),
            line: Vec::new(),
            max: max.max(1),
            discarding: false,
            write: Arc::new(Mutex::new(Some(write))),
        }
    }

    /// Reads one line into `self.line`, never holding more than `max` bytes. Cancel-safe:
    /// a partial line stays in `self.line` for the next call.
    async fn read_line(&mut self) -> std::io::Result<Line> {
        loop {
            let available = self.read.fill_buf().await?;
            if available.is_empty() {
                return Ok(Line::Eof);
            }
            let newline = available.iter().position(|b| *b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            let mut result = None;
            if self.discarding {
                if newline.is_some() {
                    self.discarding = false;
                }
            } else if self.line.len().saturating_add(take) > self.max {
                self.line.clear();
                self.discarding = newline.is_none();
                result = Some(Line::Oversized);
            } else {
                self.line
                    .extend_from_slice(available.get(..take).unwrap_or_default());
                if newline.is_some() {
                    result = Some(Line::Complete);
                }
            }
            self.read.consume(take);
            if let Some(r) = result {
                return Ok(r);
            }
        }
    }

    fn answer(
        &self,
        id: Option<RequestId>,
        error: ErrorData,
    ) -> impl Future<Output = bool> + Send + 'static {
        let write = Arc::clone(&self.write);
        async move {
            let message = TxJsonRpcMessage::<RoleServer>::error(error, id);
            write_message(&write, &message).await.is_ok()
        }
    }
}

async fn write_message<W: AsyncWrite + Unpin>(
    write: &Mutex<Option<W>>,
    message: &TxJsonRpcMessage<RoleServer>,
) -> std::io::Result<()> {
    let mut bytes = serde_json::to_vec(message).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    let mut guard = write.lock().await;
    let Some(w) = guard.as_mut() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotConnected,
            "the transport is closed",
        ));
    };
    w.write_all(&bytes).await?;
    w.flush().await
}

/// What a line that is not a usable message gets: its id (if readable) and the error.
fn classify(line: &[u8], e: &serde_json::Error) -> Option<(Option<RequestId>, ErrorData)> {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof => Some((
            None,
            ErrorData::new(ErrorCode::PARSE_ERROR, format!("Parse error: {e}"), None),
        )),
        Category::Data | Category::Io => {
            let value: serde_json::Value = serde_json::from_slice(line).ok()?;
            let id = value
                .get("id")
                .cloned()
                .and_then(|id| serde_json::from_value::<RequestId>(id).ok());
            let method = value.get("method").and_then(serde_json::Value::as_str);
            // A notification nobody understands gets no answer (JSON-RPC: notifications are
            // never answered), as rmcp does for foreign notifications.
            if id.is_none() && method.is_some() {
                return None;
            }
            Some((
                id,
                ErrorData::new(
                    ErrorCode::INVALID_REQUEST,
                    format!("Invalid request: {e}"),
                    None,
                ),
            ))
        }
    }
}

impl<R, W> Transport<RoleServer> for JsonLines<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let write = Arc::clone(&self.write);
        async move { write_message(&write, &item).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                Ok(Line::Complete) => {}
                Ok(Line::Oversized) => {
                    let error = ErrorData::new(
                        ErrorCode::INVALID_REQUEST,
                        format!(
                            "Request too large: a message may hold at most {} bytes",
                            self.max
                        ),
                        None,
                    );
                    if !self.answer(None, error).await {
                        return None;
                    }
                    continue;
                }
                Ok(Line::Eof) => return None,
                Err(e) => {
                    tracing::error!(error = %e, "reading the MCP input failed");
                    return None;
                }
            }
            let mut line = std::mem::take(&mut self.line);
            let text = trim_line(&line);
            if text.is_empty() {
                line.clear();
                self.line = line;
                continue;
            }
            let parsed = serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(text);
            let answer = match &parsed {
                Ok(_) => None,
                Err(e) => classify(text, e),
            };
            line.clear();
            self.line = line;
            match (parsed, answer) {
                (Ok(message), _) => return Some(message),
                (Err(_), Some((id, error))) => {
                    if !self.answer(id, error).await {
                        return None;
                    }
                }
                (Err(e), None) => tracing::debug!(error = %e, "ignoring an unknown notification"),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        let mut guard = self.write.lock().await;
        if let Some(mut w) = guard.take() {
            w.shutdown().await?;
        }
        Ok(())
    }
}

/// The line without its newline, a carriage return, or a UTF-8 byte order mark.
fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(line)
}
