//! Delivery through an incoming webhook or `chat.postMessage` with a bot token. The webhook
//! URL and the token are registered as secrets and never appear in errors or logs.

use serde_json::Value;

use crate::http::{self, HttpError, RetryPolicy};
use crate::report::OutputError;

/// Where Slack messages go.
pub enum Destination {
    /// `SLACK_WEBHOOK_URL`: the channel is fixed by the webhook.
    Webhook { url: String },
    /// `SLACK_BOT_TOKEN` + channel, via `{api_url}/chat.postMessage`.
    Bot {
        token: String,
        channel: String,
        api_url: String,
    },
}

impl Destination {
    /// Picks the destination from the environment: a bot token with a channel wins, else the
    /// webhook. Registers the secrets for redaction.
    pub fn from_env(channel: Option<&str>) -> Result<Destination, OutputError> {
        // Trimmed: a secret stored with `echo` ends in a newline.
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let token = var("SLACK_BOT_TOKEN");
        let webhook = var("SLACK_WEBHOOK_URL");
        if let Some(t) = &token {
            crate::redact::register(t);
        }
        if let Some(w) = &webhook {
            crate::redact::register(w);
        }
        match (token, channel, webhook) {
            (Some(token), Some(channel), _) => Ok(Destination::Bot {
                token,
                channel: channel.to_string(),
                api_url: var("SLACK_API_URL").unwrap_or_else(|| "https://slack.com/api".into()),
            }),
            (_, _, Some(url)) => Ok(Destination::Webhook { url }),
            (Some(_), None, None) => Err(OutputError::Setup(
                "--slack: SLACK_BOT_TOKEN needs a channel (--slack-channel or [slack] channel in the config)".into(),
            )),
            (None, _, None) => Err(OutputError::Setup(
                "--slack: set SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN with --slack-channel".into(),
            )),
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Destination::Webhook { .. } => "Slack webhook",
            Destination::Bot { .. } => "Slack chat.postMessage",
        }
    }
}

/// What a bot post left behind: where the first message landed, for replies and file shares.
#[derive(Debug, Default)]
pub struct Posted {
    /// The channel's ID (`chat.postMessage` answers with it; files are shared by ID).
    pub channel_id: Option<String>,
    /// The first message's `ts` (the thread's parent with `--slack-thread`).
    pub first_ts: Option<String>,
}

/// A Web API reply: HTTP 200 with `ok: false` is a failure too.
pub(super) async fn web_api_reply(
    what: &str,
    response: reqwest::Response,
) -> Result<Value, OutputError> {
    let reply: Value = response.json().await.map_err(|e| {
        OutputError::Delivery(format!("{what}: unreadable reply: {}", http::describe(e)))
    })?;
    if reply["ok"] != Value::Bool(true) {
        let code = crate::redact::excerpt(reply["error"].as_str().unwrap_or("unknown error"), 200);
        return Err(OutputError::Delivery(format!(
            "{what}: Slack refused the request: {code}"
        )));
    }
    Ok(reply)
}

/// Posts each message in order; stops at the first failure. With `thread`, every message
/// after the first is a reply to it (bot token only).
pub async fn post(
    destination: &Destination,
    messages: &[Value],
    thread: bool,
) -> Result<Posted, OutputError> {
    let client = http::client().map_err(OutputError::Delivery)?;
    let what = destination.describe();
    if thread && matches!(destination, Destination::Webhook { .. }) {
        return Err(OutputError::Setup(THREAD_NEEDS_BOT.into()));
    }
    // Posts are output too: nothing registered as a secret leaves in them.
    let messages: Vec<Value> = messages.iter().map(crate::redact::clean_json).collect();
    let mut posted = Posted::default();
    for (i, message) in messages.iter().enumerate() {
        let call = format!("({what} message {}/{})", i + 1, messages.len());
        let fail =
            |e: HttpError| OutputError::Delivery(crate::redact::clean(&format!("{what}: {e}")));
        match destination {
            Destination::Webhook { url } => {
                http::send(
                    || client.post(url).json(message),
                    RetryPolicy::default(),
                    &call,
                )
                .await
                .map_err(fail)?;
            }
            Destination::Bot {
                token,
                channel,
                api_url,
            } => {
                let mut body = message.clone();
                body["channel"] = Value::String(channel.clone());
                if thread && i > 0 {
                    let ts = posted.first_ts.as_ref().ok_or_else(|| {
                        OutputError::Delivery(format!(
                            "{what}: Slack's reply to the first message has no ts to thread under"
                        ))
                    })?;
                    body["thread_ts"] = Value::String(ts.clone());
                }
                let url = format!("{}/chat.postMessage", api_url.trim_end_matches('/'));
                let response = http::send(
                    || client.post(&url).bearer_auth(token).json(&body),
                    RetryPolicy::default(),
                    &call,
                )
                .await
                .map_err(fail)?;
                let reply = web_api_reply(what, response).await?;
                if i == 0 {
                    posted.channel_id = reply["channel"].as_str().map(str::to_string);
                    posted.first_ts = reply["ts"].as_str().map(str::to_string);
                }
            }
        }
    }
    Ok(posted)
}

/// The one line for `--slack-thread` (or `--slack-charts`) with only a webhook.
pub const THREAD_NEEDS_BOT: &str =
    "--slack-thread: threads need SLACK_BOT_TOKEN with a channel (an incoming webhook cannot reply in a thread)";
