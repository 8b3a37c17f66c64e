// The sandbox page: a Slack client for the emulator. It shows what the chosen member sees
// (channels, their DM with the app, the App Home tab, modals) and acts for them through the
// emulator's /client endpoints, which send the app the same signed requests Slack sends.

import { el, renderBlocks } from "./blockkit.js";
import { mrkdwn, plainText } from "./mrkdwn.js";

const SLACKBOT = "USLACKBOT";
const state = {
  boot: null,
  user: null,
  snapshot: null,
  version: 0,
  view: null, // {kind: "channel", id} or {kind: "app", tab: "home" | "messages"}
  clock: null,
  clockAt: 0,
  seen: {},
  modalKey: null,
  homeKey: null,
  renderedMessages: null,
};

// ----- talking to the emulator ---------------------------------------------------------------

async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
  if (!response.ok && data.ok !== false) {
    data.ok = false;
  }
  return data;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ----- people, places, time ----------------------------------------------------------------------

function me() {
  return state.boot.users.find((u) => u.id === state.user);
}

function userById(id) {
  return state.boot.users.find((u) => u.id === id);
}

function channelById(id) {
  const channels = (state.snapshot && state.snapshot.channels) || state.boot.channels;
  return channels.find((c) => c.id === id);
}

const lookup = {
  user: (id) => {
    if (id === state.boot.bot.user_id) return state.boot.app.name;
    const user = userById(id);
    return user ? user.label : null;
  },
  channel: (id) => {
    const channel = channelById(id);
    return channel ? channel.name : null;
  },
};

function zoneCity(tz) {
  return tz.split("/").pop().replace(/_/g, " ");
}

function formatTime(date, tz, options) {
  return new Intl.DateTimeFormat("en-US", { timeZone: tz, ...options }).format(date);
}

function dayKey(date, tz) {
  return formatTime(date, tz, { year: "numeric", month: "2-digit", day: "2-digit" });
}

function avatarFor(userId) {
  if (userId === state.boot.bot.user_id) {
    return el("div", { class: "avatar app-avatar", "aria-hidden": "true" }, "V");
  }
  if (userId === SLACKBOT) {
    return el("div", { class: "avatar slackbot", "aria-hidden": "true" }, "✦");
  }
  const user = userById(userId);
  const label = user ? user.label : userId;
  let hash = 0;
  for (const ch of userId) hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  return el(
    "div",
    { class: "avatar", style: `background: hsl(${hash} 55% 45%)`, "aria-hidden": "true" },
    label.slice(0, 1).toUpperCase(),
  );
}

function authorName(message) {
  if (message.user === SLACKBOT) return "Slackbot";
  if (message.bot) return state.boot.app.name;
  const user = userById(message.user);
  return user ? user.real_name || user.label : message.user;
}

// ----- toasts and dialogs ------------------------------------------------------------------------

function toast(lines, kind = "info") {
  const box = document.getElementById("toasts");
  const node = el(
    "div",
    { class: `toast ${kind}`, role: "status" },
    el("button", { class: "toast-close", type: "button", "aria-label": "Dismiss", onclick: () => node.remove() }, "×"),
    ...[].concat(lines).map((line) => el("div", { class: "toast-line" }, line)),
  );
  box.append(node);
  setTimeout(() => node.remove(), kind === "error" ? 12000 : 6000);
}

function confirmDialog(dialog) {
  return new Promise((resolve) => {
    const close = (answer) => {
      overlay.remove();
      resolve(answer);
    };
    const overlay = el(
      "div",
      { class: "overlay confirm-overlay" },
      el(
        "div",
        { class: "confirm", role: "alertdialog", "aria-modal": "true" },
        el("h2", { class: "confirm-title", html: plainText(dialog.title || "Are you sure?") }),
        el("div", { class: "confirm-text", html: mrkdwn((dialog.text || {}).text || "", lookup) }),
        el(
          "div",
          { class: "confirm-buttons" },
          el("button", { class: "bk-button default", type: "button", html: plainText(dialog.deny || "Cancel"), onclick: () => close(false) }),
          el("button", {
            class: `bk-button ${dialog.style === "danger" ? "danger" : "primary"}`,
            type: "button",
            html: plainText(dialog.confirm || "Yes"),
            onclick: () => close(true),
          }),
        ),
      ),
    );
    document.body.append(overlay);
    overlay.querySelector(".confirm-buttons .bk-button:last-child").focus();
  });
}

function reportOutcome(result, what) {
  if (result && result.ok === false && result.error) {
    const words = {
      operation_timeout: `${state.boot.app.name} didn't answer within 3 seconds`,
      dispatch_failed: `${state.boot.app.name} couldn't be reached`,
      unknown_command: null,
    };
    const text = words[result.error];
    if (text !== null) {
      toast(`${text || what + " failed"} (${result.error}${result.detail ? ": " + result.detail : ""})`, "error");
    }
  }
  return result;
}

// ----- rendering -----------------------------------------------------------------------------------

function blockContext(extra) {
  return {
    lookup,
    users: state.boot.users.filter((u) => !u.is_bot && !u.deleted),
    channels: (state.snapshot && state.snapshot.channels) || state.boot.channels,
    confirm: confirmDialog,
    ...extra,
  };
}

function renderSidebar() {
  const nav = document.getElementById("nav");
  nav.replaceChildren();
  const item = (key, label, active, unread, extra = {}) =>
    el(
      "button",
      {
        class: `nav-item${active ? " active" : ""}${unread ? " unread" : ""}`,
        type: "button",
        dataset: { nav: key },
        ...extra,
      },
      label,
      unread ? el("span", { class: "badge" }, String(unread)) : null,
    );
  nav.append(el("div", { class: "nav-heading" }, "Channels"));
  for (const channel of state.snapshot.channels) {
    const active = state.view.kind === "channel" && state.view.id === channel.id;
    nav.append(
      item(
        channel.id,
        [el("span", { class: "hash" }, channel.is_private ? "🔒" : "#"), el("span", {}, channel.name)],
        active,
        unreadIn(channel.id),
        { onclick: () => openChannel(channel.id) },
      ),
    );
  }
  nav.append(el("div", { class: "nav-heading" }, "Apps"));
  const dm = state.snapshot.dm;
  nav.append(
    item(
      "app",
      [el("span", { class: "app-dot" }, "V"), el("span", {}, state.boot.app.name)],
      state.view.kind === "app",
      unreadIn(dm),
      { onclick: () => openApp(state.view.kind === "app" ? state.view.tab : "home") },
    ),
  );
  const status = document.getElementById("app-status");
  const connected = state.snapshot.app_connected;
  status.textContent = connected
    ? `${state.boot.app.name} is connected ${state.snapshot.socket_mode ? "over Socket Mode" : "over HTTP, every request signed"}`
    : `${state.boot.app.name} is not connected yet`;
  status.className = connected ? "app-status ok" : "app-status down";
}

function unreadIn(conversation) {
  const messages = state.snapshot.conversations[conversation] || [];
  const current =
    (state.view.kind === "channel" && state.view.id === conversation) ||
    (state.view.kind === "app" && state.view.tab === "messages" && conversation === state.snapshot.dm);
  const seen = state.seen[conversation];
  if (current || seen === undefined) return 0;
  return messages.filter((m) => m.user !== state.user && !seen.has(m.ts)).length;
}

function markSeen() {
  for (const [conversation, messages] of Object.entries(state.snapshot.conversations)) {
    const current =
      (state.view.kind === "channel" && state.view.id === conversation) ||
      (state.view.kind === "app" && state.view.tab === "messages" && conversation === state.snapshot.dm);
    if (current || state.seen[conversation] === undefined) {
      state.seen[conversation] = new Set(messages.map((m) => m.ts));
    }
  }
}

function renderHeader() {
  const header = document.getElementById("pane-header");
  header.replaceChildren();
  if (state.view.kind === "channel") {
    const channel = channelById(state.view.id);
    header.append(
      ...[
        el("h1", { class: "pane-title" }, `${channel.is_private ? "🔒" : "#"} ${channel.name}`),
        channel.topic ? el("span", { class: "pane-topic" }, channel.topic) : null,
        channel.bot_is_member
          ? null
          : el("span", { class: "pane-note" }, `${state.boot.app.name} is not in this channel`),
      ].filter(Boolean),
    );
    return;
  }
  const tab = (name, label) =>
    el(
      "button",
      {
        class: `tab${state.view.tab === name ? " active" : ""}`,
        type: "button",
        dataset: { tab: name },
        onclick: () => openApp(name),
      },
      label,
    );
  header.append(
    el(
      "div",
      { class: "app-title" },
      el("span", { class: "app-dot big" }, "V"),
      el("h1", { class: "pane-title" }, state.boot.app.name),
      el("span", { class: "app-badge" }, "APP"),
    ),
    el("div", { class: "tabs", role: "tablist" }, tab("home", "Home"), tab("messages", "Messages")),
  );
}

function renderMessages(conversation) {
  const messages = state.snapshot.conversations[conversation] || [];
  const key = JSON.stringify(messages) + state.user;
  const body = document.getElementById("pane-body");
  if (state.renderedMessages === key && body.querySelector(".messages")) return;
  state.renderedMessages = key;
  state.homeKey = null;
  const atBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 80;
  const tz = me().tz;
  const list = el("div", { class: "messages", dataset: { conversation } });
  let lastDay = null;
  let last = null;
  for (const message of messages) {
    const date = new Date(parseFloat(message.ts) * 1000);
    const day = dayKey(date, tz);
    if (day !== lastDay) {
      list.append(
        el("div", { class: "day-divider" }, el("span", {}, formatTime(date, tz, { weekday: "long", month: "long", day: "numeric" }))),
      );
      lastDay = day;
      last = null;
    }
    const continued =
      last && last.user === message.user && !message.ephemeral && !last.ephemeral &&
      parseFloat(message.ts) - parseFloat(last.ts) < 120 && !message.command;
    list.append(messageNode(message, conversation, continued, date, tz));
    last = message;
  }
  if (!messages.length) {
    list.append(el("div", { class: "empty" }, "No messages yet."));
  }
  body.replaceChildren(list);
  if (atBottom || !state.scrolledOnce) {
    body.scrollTop = body.scrollHeight;
    state.scrolledOnce = true;
  }
}

function messageNode(message, conversation, continued, date, tz) {
  const time = formatTime(date, tz, { hour: "numeric", minute: "2-digit" });
  const content = el("div", { class: "message-content" });
  if (!continued) {
    content.append(
      el(
        "div",
        { class: "message-meta" },
        el("span", { class: "author" }, authorName(message)),
        message.bot ? el("span", { class: "app-badge" }, "APP") : null,
        el("span", { class: "time", title: date.toISOString() }, time),
      ),
    );
  }
  if (message.command) {
    content.append(el("div", { class: "command-echo" }, `used ${message.command}`));
  }
  const actionsCtx = blockContext({
    onAction: (action) => act({ channel: conversation, ts: message.ts, ...action }),
  });
  if (message.blocks && message.blocks.length) {
    content.append(renderBlocks(message.blocks, actionsCtx));
  } else if (message.text) {
    content.append(el("div", { class: "message-text", html: mrkdwn(message.text, lookup) }));
  }
  for (const file of message.files || []) {
    content.append(fileNode(file));
  }
  if (message.edited) {
    content.append(el("span", { class: "edited" }, "(edited)"));
  }
  if (message.ephemeral) {
    content.append(
      el(
        "div",
        { class: "ephemeral-note" },
        el("span", { class: "eye" }, "👁"),
        " Only visible to you · ",
        el("button", { class: "link-button", type: "button", onclick: () => dismiss(conversation, message.ts) }, "Dismiss"),
      ),
    );
  }
  const node = el(
    "div",
    {
      class: `message${continued ? " continued" : ""}${message.ephemeral ? " ephemeral" : ""}`,
      dataset: { ts: message.ts, user: message.user },
    },
    continued ? el("div", { class: "gutter-time" }, time) : avatarFor(message.user),
    content,
  );
  if (!message.ephemeral && state.boot.app.shortcuts.some((s) => s.type === "message")) {
    node.append(messageMenu(conversation, message));
  }
  return node;
}

function fileNode(file) {
  const src = new URL(file.url_private).pathname;
  if ((file.mimetype || "").startsWith("image/")) {
    return el(
      "figure",
      { class: "file image" },
      el("figcaption", {}, file.title || file.name),
      el("a", { href: src, target: "_blank" }, el("img", { src, alt: file.title || file.name })),
    );
  }
  return el("a", { class: "file", href: src, target: "_blank" }, `📎 ${file.title || file.name}`);
}

function messageMenu(conversation, message) {
  const menu = el(
    "div",
    { class: "menu", hidden: true, role: "menu" },
    el("div", { class: "menu-heading" }, state.boot.app.name),
    state.boot.app.shortcuts
      .filter((s) => s.type === "message")
      .map((s) =>
        el(
          "button",
          {
            type: "button",
            role: "menuitem",
            dataset: { shortcut: s.callback_id },
            onclick: async () => {
              menu.hidden = true;
              reportOutcome(
                await api("/client/shortcut", { user: state.user, channel: conversation, ts: message.ts, callback_id: s.callback_id }),
                s.name,
              );
            },
          },
          s.name,
        ),
      ),
  );
  const toggle = el(
    "button",
    {
      class: "more-actions",
      type: "button",
      title: "More actions",
      "aria-label": "More actions",
      onclick: (event) => {
        event.stopPropagation();
        document.querySelectorAll(".menu").forEach((m) => m !== menu && (m.hidden = true));
        menu.hidden = !menu.hidden;
      },
    },
    "⋮",
  );
  return el("div", { class: "message-actions" }, toggle, menu);
}

function renderHome() {
  const body = document.getElementById("pane-body");
  const home = state.snapshot.home;
  const key = home ? `${home.id}:${home.hash}` : "none";
  if (state.homeKey === key && body.querySelector(".home")) return;
  state.homeKey = key;
  state.renderedMessages = null;
  if (!home) {
    body.replaceChildren(el("div", { class: "home empty" }, `Opening ${state.boot.app.name}…`));
    return;
  }
  const ctx = blockContext({
    inputs: [],
    onAction: (action) => act({ view_id: home.id, values: collect(ctx.inputs), ...action }),
  });
  body.replaceChildren(el("div", { class: "home", dataset: { viewId: home.id } }, renderBlocks(home.blocks, ctx)));
  body.scrollTop = 0;
}

function renderComposer() {
  const composer = document.getElementById("composer-box");
  const readOnly = state.view.kind === "app" && (state.view.tab === "home" || state.boot.app.messages_tab_read_only);
  if (state.view.kind === "app" && state.view.tab === "home") {
    composer.hidden = true;
    return;
  }
  composer.hidden = false;
  const input = document.getElementById("composer");
  const note = document.getElementById("composer-note");
  if (readOnly) {
    input.disabled = true;
    input.placeholder = "";
    note.hidden = false;
    note.textContent = "Sending messages to this app has been turned off.";
    return;
  }
  input.disabled = false;
  note.hidden = true;
  const name = state.view.kind === "channel" ? `#${channelById(state.view.id).name}` : state.boot.app.name;
  input.placeholder = `Message ${name}  (try /connect help)`;
}

function render() {
  document.getElementById("viewer").value = state.user;
  renderSidebar();
  renderHeader();
  if (state.view.kind === "channel") {
    renderMessages(state.view.id);
  } else if (state.view.tab === "home") {
    renderHome();
  } else {
    renderMessages(state.snapshot.dm);
  }
  renderComposer();
  renderModal();
  markSeen();
  renderSidebar();
  renderClock();
}

// ----- modals ---------------------------------------------------------------------------------------

function collect(inputs) {
  const values = {};
  for (const input of inputs || []) {
    values[input.blockId] = values[input.blockId] || {};
    values[input.blockId][input.actionId] = input.value();
  }
  return values;
}

function renderModal() {
  const root = document.getElementById("modal-root");
  const stack = state.snapshot.modals;
  const top = stack[stack.length - 1];
  if (!top) {
    state.modalKey = null;
    root.replaceChildren();
    return;
  }
  const key = `${top.id}:${top.hash}`;
  if (state.modalKey === key && state.modalInputs) {
    // Same view: keep what the member typed and only refresh the errors Slack shows.
    for (const input of state.modalInputs) {
      input.showError((top.errors || {})[input.blockId]);
    }
    const general = root.querySelector(".modal-problem");
    general.textContent = (top.errors || {})[""] || "";
    general.hidden = !(top.errors || {})[""];
    const submit = root.querySelector(".modal .submit");
    if (submit) submit.disabled = false;
    return;
  }
  state.modalKey = key;
  const ctx = blockContext({
    inputs: [],
    errors: top.errors || {},
    onAction: (action) => act({ view_id: top.id, values: collect(ctx.inputs), ...action }),
  });
  state.modalInputs = ctx.inputs;
  const close = () => closeModal(top.id);
  const submitButton = top.submit
    ? el("button", { class: "bk-button primary submit", type: "submit", html: plainText(top.submit) })
    : null;
  const form = el(
    "form",
    {
      class: "modal",
      role: "dialog",
      "aria-modal": "true",
      "aria-label": top.title ? top.title.text : "Modal",
      dataset: { viewId: top.id, callbackId: top.callback_id || "" },
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        submitModal(top, ctx.inputs, submitButton);
      },
    },
    el(
      "div",
      { class: "modal-header" },
      stack.length > 1 ? el("button", { class: "modal-back", type: "button", "aria-label": "Back", onclick: close }, "‹") : null,
      el("h2", { class: "modal-title", html: plainText(top.title || "") }),
      el("button", { class: "modal-x", type: "button", "aria-label": "Close", onclick: close }, "×"),
    ),
    el("div", { class: "modal-problem", role: "alert", hidden: !(top.errors || {})[""] }, (top.errors || {})[""] || ""),
    el("div", { class: "modal-body" }, renderBlocks(top.blocks, ctx)),
    el(
      "div",
      { class: "modal-footer" },
      el("button", { class: "bk-button default cancel", type: "button", html: plainText(top.close || "Cancel"), onclick: close }),
      submitButton,
    ),
  );
  root.replaceChildren(el("div", { class: "overlay" }, form));
  const first = form.querySelector("input:not([type=radio]):not([type=checkbox]), textarea, select");
  if (first) first.focus();
}

async function submitModal(view, inputs, button) {
  let problems = 0;
  for (const input of inputs) {
    const message = input.check();
    input.showError(message);
    problems += message ? 1 : 0;
  }
  if (problems) return;
  if (button) button.disabled = true;
  reportOutcome(
    await api("/client/submit", { user: state.user, view_id: view.id, values: collect(inputs) }),
    "Submitting",
  );
  await refresh();
  if (button) button.disabled = false;
}

async function closeModal(viewId) {
  await api("/client/close", { user: state.user, view_id: viewId });
  await refresh();
}

// ----- acting ----------------------------------------------------------------------------------------

async function act(action) {
  const body = {
    user: state.user,
    block_id: action.block_id,
    action_id: action.action_id,
    value: action.value,
    channel: action.channel,
    ts: action.ts,
    view_id: action.view_id,
    values: action.values,
  };
  reportOutcome(await api("/client/action", body), "That action");
  await refresh();
}

async function dismiss(conversation, ts) {
  await api("/client/dismiss", { user: state.user, channel: conversation, ts });
  await refresh();
}

async function send(text) {
  const conversation = state.view.kind === "channel" ? state.view.id : state.snapshot.dm;
  if (text.startsWith("/")) {
    reportOutcome(await api("/client/command", { user: state.user, channel: conversation, text }), text.split(" ")[0]);
  } else {
    await api("/client/message", { user: state.user, channel: conversation, text });
  }
  await refresh();
}

// ----- navigation ---------------------------------------------------------------------------------

function remember() {
  localStorage.setItem("sandbox.user", state.user);
  localStorage.setItem("sandbox.view", JSON.stringify(state.view));
}

async function openChannel(id) {
  state.view = { kind: "channel", id };
  state.scrolledOnce = false;
  remember();
  render();
}

async function openApp(tab) {
  state.view = { kind: "app", tab };
  state.scrolledOnce = false;
  remember();
  render();
  reportOutcome(await api("/client/open_app", { user: state.user, tab }), `Opening ${state.boot.app.name}`);
  await refresh();
}

async function switchUser(id) {
  state.user = id;
  state.seen = {};
  state.modalKey = null;
  state.homeKey = null;
  remember();
  await refresh();
  if (state.view.kind === "app") {
    await openApp(state.view.tab);
  }
  await loadClock();
}

// ----- the clock, sample data -------------------------------------------------------------------

async function loadClock() {
  const clock = await api(`/sandbox/clock?user=${encodeURIComponent(state.user)}`);
  if (clock.ok) {
    state.clock = clock;
    state.clockAt = Date.now();
    renderClock();
  }
}

function sandboxNow() {
  if (!state.clock) return new Date();
  return new Date(Date.parse(state.clock.now) + (Date.now() - state.clockAt));
}

function renderClock() {
  const panel = document.getElementById("clock");
  if (!state.boot.info.sandbox) {
    panel.hidden = true;
    return;
  }
  const tz = me().tz;
  document.getElementById("clock-now").textContent = formatTime(sandboxNow(), tz, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "numeric",
    minute: "2-digit",
  });
  document.getElementById("clock-zone").textContent = `${me().label}'s time, ${zoneCity(tz)}`;
  document.getElementById("clock-shifted").hidden = !(state.clock && state.clock.shifted);
  const next = (state.clock && state.clock.next) || {};
  const none = {
    nudge: "No nudge is scheduled: an admin can switch it on with /connect settings, or press Sample data.",
    digest: "No digest is scheduled: an admin can switch it on with /connect settings, or press Sample data.",
    followup: "No follow-up is waiting: end a log with “follow up tomorrow” to be asked whether they replied.",
  };
  for (const kind of ["nudge", "digest", "followup"]) {
    const button = document.getElementById(`next-${kind}`);
    const item = next[kind];
    button.disabled = !item;
    const when = item
      ? formatTime(new Date(item.at), tz, { weekday: "short", hour: "numeric", minute: "2-digit" })
      : "";
    button.querySelector(".when").textContent = when;
    const what = kind === "followup" ? "follow-up DM" : kind;
    button.title = item ? `Jump to ${when} and deliver the ${what}` : none[kind];
  }
}

async function jump(to) {
  const item = state.clock && state.clock.next && state.clock.next[to.replace("next_", "")];
  if (item) {
    // Go where it will land, to watch it arrive.
    if (item.target.startsWith("C")) await openChannel(item.target);
    else if (item.target === state.user) await openApp("messages");
  }
  const body = { user: state.user, to };
  if (to === "at") {
    const value = document.getElementById("jump-at").value;
    if (!value) {
      toast("Pick a date and time first.", "error");
      return;
    }
    body.to = value;
    body.tz = me().tz;
  }
  const result = await api("/sandbox/clock", body);
  toast(result.report || [result.error || "Done"], result.ok ? "info" : "error");
  await loadClock();
  await refresh();
}

async function fillSample() {
  const button = document.getElementById("sample-data");
  button.disabled = true;
  button.textContent = "Adding sample data…";
  const result = await api("/sandbox/sample", {});
  button.disabled = false;
  button.textContent = "Sample data";
  toast(result.report || [result.error], result.ok ? "info" : "error");
  await loadClock();
  if (state.view.kind === "app" && state.view.tab === "home") {
    await openApp("home");
  }
}

// ----- the composer ----------------------------------------------------------------------------

function setUpComposer() {
  const input = document.getElementById("composer");
  const suggest = document.getElementById("suggest");
  let choices = [];
  let chosen = 0;
  const show = () => {
    const text = input.value;
    const typing = text.startsWith("/") && !text.includes(" ");
    choices = typing ? state.boot.app.commands.filter((c) => c.command.startsWith(text)) : [];
    suggest.hidden = !choices.length;
    chosen = Math.min(chosen, Math.max(choices.length - 1, 0));
    suggest.replaceChildren(
      el("div", { class: "suggest-heading" }, `Commands from ${state.boot.app.name}`),
      ...choices.map((c, i) =>
        el(
          "button",
          {
            type: "button",
            class: `suggest-item${i === chosen ? " chosen" : ""}`,
            onmousedown: (event) => {
              event.preventDefault();
              pick(i);
            },
          },
          el("span", { class: "suggest-command" }, c.command),
          c.usage_hint ? el("span", { class: "suggest-hint" }, c.usage_hint) : null,
          el("span", { class: "suggest-description" }, c.description),
        ),
      ),
    );
  };
  const pick = (i) => {
    input.value = `${choices[i].command} `;
    suggest.hidden = true;
    input.focus();
  };
  input.addEventListener("input", () => {
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
    show();
  });
  input.addEventListener("keydown", async (event) => {
    if (!suggest.hidden && choices.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        chosen = (chosen + (event.key === "ArrowDown" ? 1 : choices.length - 1)) % choices.length;
        show();
        return;
      }
      if (event.key === "Tab" || (event.key === "Enter" && input.value.trim() !== choices[chosen].command)) {
        event.preventDefault();
        pick(chosen);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      input.style.height = "auto";
      suggest.hidden = true;
      input.disabled = true;
      try {
        await send(text);
      } finally {
        input.disabled = false;
        input.focus();
      }
    }
  });
  input.addEventListener("blur", () => setTimeout(() => (suggest.hidden = true), 100));
}

// ----- start-up ---------------------------------------------------------------------------------

async function refresh() {
  const snapshot = await api(`/client/snapshot?user=${encodeURIComponent(state.user)}`);
  if (!snapshot.ok) return;
  const changed = snapshot.version !== state.version;
  state.snapshot = snapshot;
  state.version = snapshot.version;
  render();
  if (changed) clockSoon();
}

// Settings saved, sample data added: what is due next may have changed. Ask again, not too often.
let clockTimer = null;
function clockSoon() {
  if (!state.boot.info.sandbox || clockTimer) return;
  clockTimer = setTimeout(() => {
    clockTimer = null;
    loadClock();
  }, 700);
}

async function follow() {
  for (;;) {
    try {
      const result = await api(`/client/wait?since=${state.version}`);
      if (result.ok && result.version !== state.version) {
        await refresh();
      }
    } catch (error) {
      await sleep(2000);
    }
  }
}

function setUpChrome() {
  const boot = state.boot;
  document.title = `${boot.team.name} · ${boot.app.name} sandbox`;
  document.getElementById("team-name").textContent = boot.team.name;
  document.getElementById("data-note").textContent = boot.info.note || "";
  const viewer = document.getElementById("viewer");
  viewer.replaceChildren(
    ...boot.users
      .filter((u) => !u.is_bot && !u.deleted)
      .map((u) =>
        el(
          "option",
          { value: u.id },
          `${u.real_name || u.label} · ${zoneCity(u.tz)}${u.is_admin ? " · admin" : ""}`,
        ),
      ),
  );
  viewer.addEventListener("change", () => switchUser(viewer.value));
  document.getElementById("next-nudge").addEventListener("click", () => jump("next_nudge"));
  document.getElementById("next-digest").addEventListener("click", () => jump("next_digest"));
  document.getElementById("next-followup").addEventListener("click", () => jump("next_followup"));
  document.getElementById("jump").addEventListener("click", () => jump("at"));
  document.getElementById("real-time").addEventListener("click", () => jump("now"));
  document.getElementById("sample-data").addEventListener("click", fillSample);
  document.getElementById("sandbox-tools").hidden = !boot.info.sandbox;
  document.addEventListener("click", () => document.querySelectorAll(".menu").forEach((m) => (m.hidden = true)));
  setUpComposer();
}

async function start() {
  state.boot = await api("/client/boot");
  const people = state.boot.users.filter((u) => !u.is_bot && !u.deleted);
  const saved = new URLSearchParams(location.search).get("as") || localStorage.getItem("sandbox.user");
  const admin = people.find((u) => u.is_admin);
  state.user = (people.find((u) => u.id === saved || u.name === saved) || admin || people[0]).id;
  let view = null;
  try {
    view = JSON.parse(localStorage.getItem("sandbox.view"));
  } catch (error) {
    view = null;
  }
  const channels = state.boot.channels;
  const valid = view && (view.kind === "app" || channels.some((c) => c.id === view.id));
  const preferred = channels.find((c) => c.name === "marketing") || channels[0];
  state.view = valid ? view : { kind: "channel", id: preferred.id };
  setUpChrome();
  await refresh();
  if (state.view.kind === "app") {
    await openApp(state.view.tab);
  }
  if (state.boot.info.sandbox) {
    await loadClock();
    setInterval(renderClock, 15000);
    setInterval(loadClock, 60000);
  }
  document.body.dataset.ready = "true";
  follow();
}

start().catch((error) => {
  document.body.dataset.ready = "error";
  toast(`The sandbox page could not start: ${error}`, "error");
});

// For a developer poking at the page from the browser's console.
window.sandbox = { state, refresh };
