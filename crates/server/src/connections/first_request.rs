//! A connection's first request, read before any HTTP machinery is built for it: until then, a client that is
//! silent, or slow to send its head or its body, costs a socket, a small task and the bytes it sent.

use super::activity::{Activity, Phase};
use super::{ConnectionLimits, MAX_HEAD_BYTES};
use crate::app::BODY_LIMIT;
use std::io::ErrorKind;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// How reading the first request ended.
pub enum FirstRequest {
    /// Its head, and its body if the head announced one of a known length: serve it.
    Arrived(Vec<u8>),
    /// The client left, or the connection failed.
    Left,
    /// The head arrived but its body did not, within the body's time limit.
    BodyTooSlow,
}

/// Reads until the first request has arrived whole, or more than a head may hold has. (The time a request head
/// may take is kept by the connection sweeper; the body's is kept here, so that the client gets its 408.)
pub async fn read(stream: &TcpStream, activity: &Activity, limits: &ConnectionLimits) -> FirstRequest {
    let mut received = Vec::new();
    let mut head_end = None;
    let mut body_deadline = None;
    loop {
        let readable = match body_deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, stream.readable()).await {
                Ok(readable) => readable,
                Err(_) => return FirstRequest::BodyTooSlow,
            },
            None => stream.readable().await,
        };
        if readable.is_err() {
            return FirstRequest::Left;
        }
        let mut chunk = [0; 4096];
        let read = match stream.try_read(&mut chunk) {
            Ok(0) => return FirstRequest::Left,
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::WouldBlock => continue,
            Err(_) => return FirstRequest::Left,
        };
        activity.received();
        let searched_to = received.len().saturating_sub(3);
        received.extend_from_slice(&chunk[..read]);
        if head_end.is_none() {
            head_end = received[searched_to..]
                .windows(4)
                .position(|window| window == b"\r\n\r\n")
                .map(|position| searched_to + position + 4);
            match head_end {
                Some(_) => {
                    activity.enter(Phase::Body);
                    body_deadline = Some(Instant::now() + limits.body_timeout);
                }
                // Too much for a head: hyper answers 431.
                None if received.len() > MAX_HEAD_BYTES => return FirstRequest::Arrived(received),
                None => continue,
            }
        }
        let Some(end) = head_end else { continue };
        match announced_body(&received[..end]) {
            Some(length) if received.len() < end + length => continue,
            _ => return FirstRequest::Arrived(received),
        }
    }
}

/// The length of the body a request head announces, if it is one to wait for here: a `Content-Length` within the
/// body limit, without `Transfer-Encoding` (hyper decodes chunks) or `Expect: 100-continue` (the client waits for
/// hyper's "100 Continue" before it sends the body). Anything hyper should judge itself is `None`.
fn announced_body(head: &[u8]) -> Option<usize> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut request = httparse::Request::new(&mut headers);
    if !request.parse(head).ok()?.is_complete() {
        return None;
    }
    let mut length = None;
    for header in request.headers.iter() {
        if header.name.eq_ignore_ascii_case("transfer-encoding") || header.name.eq_ignore_ascii_case("expect") {
            return None;
        }
        if header.name.eq_ignore_ascii_case("content-length") {
            length = Some(std::str::from_utf8(header.value).ok()?.trim().parse::<usize>().ok()?);
        }
    }
    length.filter(|length| *length <= BODY_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::announced_body;

    #[test]
    fn waits_only_for_bodies_of_a_known_length_within_the_limit() {
        let head = |headers: &str| format!("POST /x HTTP/1.1\r\nHost: h\r\n{headers}\r\n");
        assert_eq!(announced_body(head("Content-Length: 12\r\n").as_bytes()), Some(12));
        assert_eq!(announced_body(head("").as_bytes()), None);
        assert_eq!(announced_body(head("Content-Length: 99999999\r\n").as_bytes()), None);
        let chunked = head("Content-Length: 12\r\nTransfer-Encoding: chunked\r\n");
        assert_eq!(announced_body(chunked.as_bytes()), None);
        let expecting = head("Content-Length: 12\r\nExpect: 100-continue\r\n");
        assert_eq!(announced_body(expecting.as_bytes()), None);
        assert_eq!(announced_body(head("Content-Length: twelve\r\n").as_bytes()), None);
        assert_eq!(announced_body(b"NOT HTTP\r\n\r\n"), None);
    }
}
