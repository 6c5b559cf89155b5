//! The load client's arguments and what it reports: one record per connection and a summary.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What the app asks the client to do (the CLI of `forklab __client`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientArgs {
    pub port: u16,
    /// Connections to open in total.
    pub connections: u32,
    /// Connections open at once (one thread each).
    pub concurrency: u32,
    /// Requests sent on each connection, at least 1; the last one says `Connection: close`.
    pub keepalive: u32,
    /// Bounds the connect, each request's exchange (write and whole reply), and the final
    /// wait for the server to close.
    pub timeout_ms: u64,
    /// Print one line per connection as it finishes.
    pub stream: bool,
    /// Ask for `/visit` instead of `/conn/<conn>/req/<j>`: each worker counts the visits it
    /// served in its own memory and says its count in an `X-Visit` header.
    #[serde(default)]
    pub visit: bool,
}

/// Why a connection failed. The first thing that went wrong names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnError {
    /// Nothing listened on the port (ECONNREFUSED).
    Refused,
    /// The server aborted the connection (ECONNRESET, EPIPE): a RST, e.g. a worker killed
    /// with unread bytes in its receive queue.
    Reset,
    /// A connect, write or reply did not finish within `timeout_ms`.
    Timeout,
    /// The server closed (FIN) before a reply was whole, or said `Connection: close` before
    /// the last request.
    ClosedEarly,
    /// Not HTTP, not 200, no `X-Worker`, no usable `Content-Length`, or bytes after the end.
    BadResponse,
    /// The client ran out of file descriptors for a socket (EMFILE: its RLIMIT_NOFILE,
    /// `ulimit -n`; or ENFILE: the whole system's).
    Emfile,
    /// Anything else (e.g. EADDRNOTAVAIL when local ports run out).
    Other,
}

impl ConnError {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnError::Refused => "refused",
            ConnError::Reset => "reset",
            ConnError::Timeout => "timeout",
            ConnError::ClosedEarly => "closed_early",
            ConnError::BadResponse => "bad_response",
            ConnError::Emfile => "emfile",
            ConnError::Other => "other",
        }
    }
}

impl fmt::Display for ConnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finished connection, a stream line:
/// `{"conn":17,"ok":true,"worker":"W2","pid":1234,"us":412}` or
/// `{"conn":17,"ok":false,"error":"reset","us":380}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnRecord {
    /// The connection's number, `0..connections`; requests ask for `/conn/<conn>/req/<j>`.
    pub conn: u32,
    pub ok: bool,
    /// The worker that served the last whole reply. Always there when `ok`; on a failure,
    /// there when some reply on the connection arrived whole before it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<i32>,
    /// Always there when not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ConnError>,
    /// Microseconds from just before connect to the end of the last reply (or to the failure).
    pub us: u64,
    /// Whole replies read on the connection, when more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<u32>,
    /// Workers other than `worker` that answered a request of this connection. A connection
    /// is one socket, in one process's fd table: only a server that hands a connection on
    /// after serving on it fills this.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<String>,
    /// The last reply's `X-Visit` count (a `/visit` request): the visits its worker had served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<u64>,
}

/// The last line of a run. `completed + failed == fired`, the `errors` add up to `failed`
/// and `per_worker` adds up to `completed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientSummary {
    pub done: bool,
    pub fired: u64,
    pub completed: u64,
    pub failed: u64,
    /// Failed connections by [`ConnError`] name (`"reset"`, ...); only kinds that occurred.
    pub errors: BTreeMap<String, u64>,
    pub per_worker: BTreeMap<String, u64>,
    pub elapsed_s: f64,
    /// Completed connections per second of the whole run.
    pub conn_per_s: f64,
    /// Nearest-rank percentiles over completed connections; 0.0 when none completed.
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Connections that carried more than one whole reply (keep-alive).
    #[serde(default)]
    pub kept_alive: u64,
    /// Connections whose replies named more than one worker.
    #[serde(default)]
    pub switched: u64,
    /// The fewest and the most whole replies that one of the `kept_alive` connections carried;
    /// None when none carried more than one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept_replies: Option<(u32, u32)>,
    /// The highest `X-Visit` count each worker's replies gave (a `/visit` fire); empty otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub visits: BTreeMap<String, u64>,
}
