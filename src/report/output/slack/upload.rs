//! File shares with a bot token, through Slack's external upload flow (`files.upload` is
//! retired): `files.getUploadURLExternal` for each file, the bytes POSTed to the URL it
//! returns, then one `files.completeUploadExternal` sharing them all in the channel.

use serde_json::{json, Value};

use super::deliver::{web_api_reply, Destination, Posted};
use crate::http::{self, HttpError, RetryPolicy};
use crate::report::OutputError;

/// A file to share, e.g. a PNG chart.
pub struct SlackFile {
    pub filename: String,
    /// Shown above the file in Slack (the chart has no text of its own).
    pub title: String,
    pub bytes: Vec<u8>,
}

/// Uploads `files` and shares them where `posted` landed (in its thread with `thread`).
pub async fn upload(
    destination: &Destination,
    posted: &Posted,
    thread: bool,
    files: &[SlackFile],
) -> Result<(), OutputError> {
    let Destination::Bot {
        token,
        channel,
        api_url,
    } = destination
    else {
        return Err(OutputError::Setup(CHARTS_NEED_BOT.into()));
    };
    if files.is_empty() {
        return Ok(());
    }
    let client = http::client().map_err(OutputError::Delivery)?;
    let api = api_url.trim_end_matches('/');
    let fail = |what: &'static str| {
        move |e: HttpError| OutputError::Delivery(crate::redact::clean(&format!("{what}: {e}")))
    };
    let mut shared = Vec::with_capacity(files.len());
    for file in files {
        let what = "Slack files.getUploadURLExternal";
        let url = format!("{api}/files.getUploadURLExternal");
        let form = [
            ("filename", file.filename.clone()),
            ("length", file.bytes.len().to_string()),
        ];
        let response = http::send(
            || client.post(&url).bearer_auth(token).form(&form),
            RetryPolicy::default(),
            &format!("({what} {})", file.filename),
        )
        .await
        .map_err(fail(what))?;
        let reply = web_api_reply(what, response).await?;
        let (Some(upload_url), Some(file_id)) =
            (reply["upload_url"].as_str(), reply["file_id"].as_str())
        else {
            return Err(OutputError::Delivery(format!(
                "{what}: the reply has no upload_url or file_id"
            )));
        };
        // A pre-signed URL: whoever holds it can upload, so it never reaches any output.
        crate::redact::register(upload_url);

        let what = "Slack file upload";
        http::send(
            || {
                client
                    .post(upload_url)
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(file.bytes.clone())
            },
            RetryPolicy::default(),
            &format!("({what} {})", file.filename),
        )
        .await
        .map_err(fail(what))?;
        shared.push(json!({"id": file_id, "title": file.title}));
    }

    let what = "Slack files.completeUploadExternal";
    let url = format!("{api}/files.completeUploadExternal");
    let channel_id = posted.channel_id.clone().unwrap_or_else(|| channel.clone());
    let mut form = vec![
        ("files", Value::Array(shared).to_string()),
        ("channel_id", channel_id),
    ];
    if thread {
        if let Some(ts) = &posted.first_ts {
            form.push(("thread_ts", ts.clone()));
        }
    }
    let response = http::send(
        || client.post(&url).bearer_auth(token).form(&form),
        RetryPolicy::default(),
        &format!("({what})"),
    )
    .await
    .map_err(fail(what))?;
    web_api_reply(what, response).await?;
    Ok(())
}

/// The one line for `--slack-charts` without a bot token.
pub const CHARTS_NEED_BOT: &str =
    "--slack-charts: file uploads need SLACK_BOT_TOKEN with a channel (an incoming webhook cannot upload files)";
