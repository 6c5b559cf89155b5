//! Just enough HTTP/1.1 for a worker to answer `curl`, a browser and `wrk`: requests are parsed
//! with httparse; replies name the worker in an `X-Worker` header and in the body.

/// The largest request head a worker reads before answering 431.
pub const MAX_HEAD: usize = 16 * 1024;
/// The largest request body a worker skips over before answering 413.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// More bytes are needed.
    Partial,
    /// A whole request of `len` bytes (head and body).
    Request { len: usize, keep_alive: bool },
    /// A whole head of `head` bytes whose body of `body` bytes has not all arrived yet. The
    /// worker drops the body as it comes (it never reads one) and answers once it is in.
    Body { head: usize, body: usize, keep_alive: bool },
    /// A request that gets an error status, after which the connection closes.
    Reject(u16),
}

/// Parse the request at the start of `buf`.
pub fn parse(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => return Parsed::Reject(431),
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(httparse::Error::TooManyHeaders) => return Parsed::Reject(431),
        Err(_) => return Parsed::Reject(400),
    };
    if head_len > MAX_HEAD {
        return Parsed::Reject(431);
    }
    // HTTP/1.1 keeps the connection by default, HTTP/1.0 closes it (RFC 9112 §9.3).
    let mut keep_alive = req.version == Some(1);
    let mut length: Option<u64> = None;
    for h in req.headers.iter() {
        if h.name.eq_ignore_ascii_case("connection") {
            let v = String::from_utf8_lossy(h.value).to_ascii_lowercase();
            if v.split(',').any(|t| t.trim() == "close") {
                keep_alive = false;
            } else if v.split(',').any(|t| t.trim() == "keep-alive") {
                keep_alive = true;
            }
        } else if h.name.eq_ignore_ascii_case("content-length") {
            // RFC 9112 §6.3: a Content-Length that is not a number, or several that disagree,
            // make the message's length unknowable: 400. The same value repeated is allowed.
            let Some(n) = content_length(h.value) else { return Parsed::Reject(400) };
            if length.is_some_and(|l| l != n) {
                return Parsed::Reject(400);
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // Chunked uploads are more than a teaching server needs.
            return Parsed::Reject(501);
        }
    }
    let body = match length {
        Some(n) if n > MAX_BODY as u64 => return Parsed::Reject(413),
        Some(n) => n as usize,
        None => 0,
    };
    if buf.len() < head_len + body {
        return Parsed::Body { head: head_len, body, keep_alive };
    }
    Parsed::Request { len: head_len + body, keep_alive }
}

/// A Content-Length field's value: `1*DIGIT` (RFC 9110 §8.6), or a list of the same value
/// (`5, 5`, which RFC 9112 §6.3 lets a recipient accept). A sign, a space inside, an empty
/// value or a list that disagrees is not a length. Saturates rather than overflows: any value
/// that large is over MAX_BODY anyway.
fn content_length(value: &[u8]) -> Option<u64> {
    let mut length = None;
    for part in value.split(|&b| b == b',') {
        let digits = part.trim_ascii();
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = digits.iter().fold(0u64, |n, d| n.saturating_mul(10).saturating_add(u64::from(d - b'0')));
        if length.is_some_and(|l| l != n) {
            return None;
        }
        length = Some(n);
    }
    length
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        501 => "Not Implemented",
        _ => "Error",
    }
}

/// The reply of worker `alias` (pid `pid`) to its `nth` request on a connection.
pub fn reply(out: &mut Vec<u8>, status: u16, alias: &str, pid: i32, nth: u64, keep_alive: bool) {
    use std::io::Write;
    let body = if status == 200 {
        format!("hello from {alias} (pid {pid}), request {nth} on this connection\n")
    } else {
        format!("{status} {}\n", reason(status))
    };
    let conn = if keep_alive { "keep-alive" } else { "close" };
    let _ = write!(
        out,
        "HTTP/1.1 {status} {}\r\nX-Worker: {alias} pid {pid}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {conn}\r\n\r\n{body}",
        reason(status),
        body.len()
    );
}

/// The reply to `GET /visit`: the worker's own count of the visits it served, `n`, in an
/// `X-Visit` header and in the body.
pub fn visit_reply(out: &mut Vec<u8>, alias: &str, pid: i32, n: u64, keep_alive: bool) {
    use std::io::Write;
    let body = format!("visit {n} from {alias} (pid {pid}), counted in this worker's memory\n");
    let conn = if keep_alive { "keep-alive" } else { "close" };
    let _ = write!(
        out,
        "HTTP/1.1 200 OK\r\nX-Worker: {alias} pid {pid}\r\nX-Visit: {n}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {conn}\r\n\r\n{body}",
        body.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http11_keeps_alive_by_default() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Parsed::Request { len: 27, keep_alive: true });
    }

    #[test]
    fn connection_close_closes() {
        let r = b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
        assert_eq!(parse(r), Parsed::Request { len: r.len(), keep_alive: false });
    }

    #[test]
    fn http10_closes_unless_asked() {
        assert!(matches!(parse(b"GET / HTTP/1.0\r\n\r\n"), Parsed::Request { keep_alive: false, .. }));
        assert!(matches!(
            parse(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
            Parsed::Request { keep_alive: true, .. }
        ));
    }

    #[test]
    fn a_partial_head_waits() {
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHost"), Parsed::Partial);
    }

    #[test]
    fn a_body_is_consumed() {
        let r = b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(parse(&r[..r.len() - 1]), Parsed::Body { head: r.len() - 3, body: 3, keep_alive: true });
        assert_eq!(parse(r), Parsed::Request { len: r.len(), keep_alive: true });
    }

    #[test]
    fn two_different_content_lengths_are_400() {
        let r = b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef";
        assert_eq!(parse(r), Parsed::Reject(400));
        assert_eq!(parse(b"POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\nabcdef"), Parsed::Reject(400));
    }

    #[test]
    fn the_same_content_length_twice_is_one_length() {
        let r = b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc";
        assert_eq!(parse(r), Parsed::Request { len: r.len(), keep_alive: true });
        let r = b"POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc";
        assert_eq!(parse(r), Parsed::Request { len: r.len(), keep_alive: true });
    }

    #[test]
    fn a_content_length_that_is_not_only_digits_is_400() {
        for v in ["+5", "-5", "5 5", "0x5", "", " ", "5,", "５"] {
            let r = format!("POST / HTTP/1.1\r\nContent-Length: {v}\r\n\r\nabcde");
            assert_eq!(parse(r.as_bytes()), Parsed::Reject(400), "Content-Length: {v:?}");
        }
    }

    #[test]
    fn a_huge_content_length_is_413_not_an_overflow() {
        let r = b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n";
        assert_eq!(parse(r), Parsed::Reject(413));
    }

    #[test]
    fn junk_is_400() {
        assert_eq!(parse(b"\x00\x01junk\r\n\r\n"), Parsed::Reject(400));
    }

    #[test]
    fn a_huge_head_is_431() {
        let mut r = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        r.extend(std::iter::repeat_n(b'a', MAX_HEAD + 10));
        assert_eq!(parse(&r), Parsed::Reject(431));
    }

    #[test]
    fn a_visit_reply_says_the_count() {
        let mut out = Vec::new();
        visit_reply(&mut out, "W3", 77, 12, true);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("X-Worker: W3 pid 77\r\n") && text.contains("X-Visit: 12\r\n"), "{text}");
        assert!(text.ends_with("visit 12 from W3 (pid 77), counted in this worker's memory\n"));
        let body = text.split("\r\n\r\n").nth(1).unwrap();
        assert!(text.contains(&format!("Content-Length: {}\r\n", body.len())));
    }

    #[test]
    fn the_reply_names_the_worker() {
        let mut out = Vec::new();
        reply(&mut out, 200, "W2", 1234, 1, false);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.contains("X-Worker: W2 pid 1234\r\n"));
        assert!(text.contains("Connection: close\r\n"));
        assert!(text.ends_with("hello from W2 (pid 1234), request 1 on this connection\n"));
    }
}
