"""The sandbox: Valueboard served for real against a local Slack, with a page that plays Slack.

`slackapp sandbox` (and `make run` without Slack credentials) starts it. The packages:
`emulator` is the local Slack (Web API, requests to the app, Socket Mode, what members see);
`page/` is the browser client; `workspace` seeds its members and channels; `clock` lets the
page move the app's time; `sample` fills a few weeks of history; `runner` wires it together.
"""
