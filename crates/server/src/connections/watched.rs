//! A connection's socket and its request bodies, watched: bytes arriving move the connection's [`Activity`], a body
//! that stops arriving fails after its time limit, and the bare error answers hyper writes by itself for requests
//! it cannot parse are rewritten in the API's error shape.

use super::activity::{Activity, Phase};
use crate::error::ErrorBody;
use axum::body::Bytes;
use axum::http::StatusCode;
use http_body::{Body, Frame, SizeHint};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// A socket whose reads are reported to the connection's activity, read from after the bytes already received.
pub struct WatchedIo<S> {
    inner: S,
    received: Vec<u8>,
    unread_from: usize,
    activity: Arc<Activity>,
    /// Our answer in place of hyper's bare one, and how much of it is written.
    rewritten: Option<(Vec<u8>, usize)>,
}

impl<S> WatchedIo<S> {
    pub fn new(inner: S, received: Vec<u8>, activity: Arc<Activity>) -> Self {
        WatchedIo {
            inner,
            received,
            unread_from: 0,
            activity,
            rewritten: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for WatchedIo<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.unread_from < self.received.len() {
            let unread = &self.received[self.unread_from..];
            let count = unread.len().min(buf.remaining());
            buf.put_slice(&unread[..count]);
            self.unread_from += count;
            if self.unread_from == self.received.len() {
                self.received = Vec::new();
                self.unread_from = 0;
            }
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut self.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            self.activity.received();
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for WatchedIo<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.rewritten.is_none()
            && let Some(status) = automatic_error(buf)
        {
            self.rewritten = Some((error_response(status), 0));
        }
        let this = &mut *self;
        let Some((answer, written)) = &mut this.rewritten else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        // hyper writes its answer once and then closes: report it written once ours is.
        while *written < answer.len() {
            *written += ready!(Pin::new(&mut this.inner).poll_write(cx, &answer[*written..]))?;
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The status of an answer hyper wrote by itself for a request it could not parse (a URI or head too long, or not
/// HTTP): a 4xx with no content type and an empty body. Every error answer of ours carries a JSON body.
fn automatic_error(buf: &[u8]) -> Option<StatusCode> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ")?;
    let status = StatusCode::from_bytes(rest.get(..3)?).ok()?;
    if !matches!(status.as_u16(), 400 | 414 | 431) {
        return None;
    }
    let end = rest.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&rest[..end + 2]).to_ascii_lowercase();
    (head.contains("\r\ncontent-length: 0\r\n") && !head.contains("\r\ncontent-type:")).then_some(status)
}

/// A whole error answer, written to the socket by us rather than by hyper; the connection closes after it.
pub(super) fn error_response(status: StatusCode) -> Vec<u8> {
    let message = match status {
        StatusCode::REQUEST_TIMEOUT => BODY_TOO_SLOW,
        StatusCode::URI_TOO_LONG => "The request URI is too long.",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "The request line and headers are too large.",
        _ => "The request is not valid HTTP/1.1.",
    };
    let body = ErrorBody::json(status, message);
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
}

/// What a client whose request body stopped arriving is told.
pub const BODY_TOO_SLOW: &str = "The request body did not arrive in time.";

/// The error a request body gives when it stops arriving for longer than its limit.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimeout(pub Duration);

pin_project_lite::pin_project! {
    /// A request body that marks its connection as waiting on the client while it waits for data, and fails once
    /// the whole body has taken longer than its limit.
    pub struct WatchedBody<B> {
        #[pin]
        inner: B,
        activity: Arc<Activity>,
        limit: Duration,
        #[pin]
        deadline: Option<Sleep>,
    }
}

impl<B> WatchedBody<B> {
    pub fn new(inner: B, activity: Arc<Activity>, limit: Duration) -> Self {
        WatchedBody {
            inner,
            activity,
            limit,
            deadline: None,
        }
    }
}

impl<B> Body for WatchedBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        if this.deadline.is_none() {
            this.deadline.set(Some(tokio::time::sleep(*this.limit)));
        }
        match this.inner.poll_frame(cx) {
            Poll::Ready(frame) => {
                this.activity.enter(Phase::Working);
                Poll::Ready(frame.map(|frame| frame.map_err(Into::into)))
            }
            Poll::Pending => {
                this.activity.enter(Phase::Body);
                match this.deadline.as_pin_mut().map(|deadline| deadline.poll(cx)) {
                    Some(Poll::Ready(())) => Poll::Ready(Some(Err(BodyTimeout(*this.limit).into()))),
                    _ => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_bare_answers_hyper_writes_itself() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(automatic_error(bare), Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(automatic_error(ours), None);
        assert_eq!(
            automatic_error(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"),
            None
        );
        assert_eq!(automatic_error(b"{\"HTTP/1.1 400\"}"), None);
    }

    #[test]
    fn rewrites_them_in_the_error_shape() {
        let answer = String::from_utf8(error_response(StatusCode::URI_TOO_LONG)).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["statusCode"], 414);
        assert_eq!(body["error"], "URI Too Long");
    }
}
