// Slack's mrkdwn and plain_text, as HTML: bold, italics, strikes, code, quotes, links,
// user and channel mentions shown as names, and emoji shortcodes shown as emoji.

const EMOJI = {
  "+1": "👍", "-1": "👎", "100": "💯", ok_hand: "👌", clap: "👏", pray: "🙏", wave: "👋",
  raised_hands: "🙌", muscle: "💪", point_right: "👉", point_left: "👈", eyes: "👀",
  tada: "🎉", confetti_ball: "🎊", sparkles: "✨", star: "⭐", star2: "🌟", dizzy: "💫",
  fire: "🔥", rocket: "🚀", zap: "⚡", boom: "💥", bulb: "💡", dart: "🎯", trophy: "🏆",
  first_place_medal: "🥇", second_place_medal: "🥈", third_place_medal: "🥉", medal: "🏅",
  heart: "❤️", hearts: "♥️", yellow_heart: "💛", green_heart: "💚", blue_heart: "💙",
  purple_heart: "💜", orange_heart: "🧡", black_heart: "🖤", white_heart: "🤍",
  heart_eyes: "😍", smile: "😄", smiley: "😃", grinning: "😀", blush: "😊", joy: "😂",
  laughing: "😆", satisfied: "😆", rofl: "🤣", rolling_on_the_floor_laughing: "🤣",
  sweat_smile: "😅", wink: "😉", slightly_smiling_face: "🙂", upside_down_face: "🙃",
  thinking_face: "🤔", hugging_face: "🤗", sunglasses: "😎", nerd_face: "🤓",
  partying_face: "🥳", star_struck: "🤩", cry: "😢", sob: "😭", scream: "😱",
  grimacing: "😬", sweat: "😓", neutral_face: "😐", face_with_rolling_eyes: "🙄",
  white_check_mark: "✅", heavy_check_mark: "✔️", ballot_box_with_check: "☑️",
  x: "❌", warning: "⚠️", no_entry: "⛔", information_source: "ℹ️", question: "❓",
  exclamation: "❗", bangbang: "‼️", lock: "🔒", unlock: "🔓", key: "🔑", bell: "🔔",
  no_bell: "🔕", mute: "🔇", loud_sound: "🔊", mega: "📣", loudspeaker: "📢",
  speech_balloon: "💬", memo: "📝", pencil: "📝", pencil2: "✏️", wastebasket: "🗑️",
  calendar: "📆", date: "📅", spiral_calendar_pad: "🗓️", clock9: "🕘", alarm_clock: "⏰",
  hourglass: "⌛", hourglass_flowing_sand: "⏳", stopwatch: "⏱️", bar_chart: "📊",
  chart_with_upwards_trend: "📈", chart_with_downwards_trend: "📉", clipboard: "📋",
  pushpin: "📌", paperclip: "📎", link: "🔗", mag: "🔍", gear: "⚙️", wrench: "🔧",
  hammer_and_wrench: "🛠️", package: "📦", inbox_tray: "📥", outbox_tray: "📤",
  email: "📧", envelope: "✉️", microphone: "🎤", headphones: "🎧", camera: "📷",
  tv: "📺", computer: "💻", iphone: "📱", books: "📚", book: "📖", bookmark: "🔖",
  seedling: "🌱", herb: "🌿", four_leaf_clover: "🍀", sunflower: "🌻", rose: "🌹",
  sun_with_face: "🌞", sunny: "☀️", rainbow: "🌈", cloud: "☁️", snowflake: "❄️",
  coffee: "☕", tea: "🍵", pizza: "🍕", cake: "🍰", birthday: "🎂", gift: "🎁",
  balloon: "🎈", pause_button: "⏸️", arrow_forward: "▶️", arrow_right: "➡️",
  arrow_left: "⬅️", arrow_up: "⬆️", arrow_down: "⬇️", repeat: "🔁", recycle: "♻️",
  handshake: "🤝", busts_in_silhouette: "👥", bust_in_silhouette: "👤", memory: "🧠",
  brain: "🧠", robot_face: "🤖", ghost: "👻", unicorn_face: "🦄", dog: "🐶", cat: "🐱",
  earth_americas: "🌎", globe_with_meridians: "🌐", house: "🏠", office: "🏢",
  moneybag: "💰", gem: "💎", crown: "👑", checkered_flag: "🏁", triangular_flag_on_post: "🚩",
  large_green_circle: "🟢", large_yellow_circle: "🟡", red_circle: "🔴",
  large_blue_circle: "🔵", white_circle: "⚪", black_circle: "⚫", new: "🆕",
  sos: "🆘", eye: "👁️", speech: "💬", thought_balloon: "💭", zzz: "💤",
  raising_hand: "🙋", man_shrugging: "🤷‍♂️", woman_shrugging: "🤷‍♀️", shrug: "🤷",
  facepalm: "🤦", writing_hand: "✍️", nail_care: "💅", ear: "👂", mailbox: "📫",
};

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };

/** HTML-escape text that is about to be inserted into markup. */
export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** Slack's own escapes (&amp; &lt; &gt;) back to the characters they stand for. */
function unescapeSlack(text) {
  return text.replace(/&(amp|lt|gt);/g, (m) => ENTITIES[m]);
}

/** :shortcode: as emoji (skin tones dropped); unknown codes stay as typed. */
export function emojify(html) {
  return html.replace(/:([a-z0-9_+-]+)(?:::skin-tone-\d)?:/g, (match, name) =>
    EMOJI[name] ? `<span class="emoji" title=":${name}:">${EMOJI[name]}</span>` : match,
  );
}

/** A plain_text object (or string) as HTML. */
export function plainText(value) {
  const text = typeof value === "string" ? value : (value && value.text) || "";
  const html = escapeHtml(text);
  const emoji = typeof value === "string" || !value || value.emoji !== false;
  return emoji ? emojify(html) : html;
}

function safeUrl(url) {
  return /^(https?:|mailto:)/i.test(url) ? url : null;
}

/** One <…> token: a link, a mention or a special, rendered. */
function token(inner, lookup) {
  const [target, label] = splitOnce(inner, "|");
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const name = lookup.user(id) || label || id;
    return `<span class="mention" data-user="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const name = lookup.channel(id) || label || id;
    return `<span class="mention channel" data-channel="${escapeHtml(id)}">#${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("!")) {
    const special = target.slice(1);
    if (special.startsWith("date^")) {
      return escapeHtml(unescapeSlack(label || special));
    }
    if (special.startsWith("subteam^")) {
      return `<span class="mention">${escapeHtml(label || "@group")}</span>`;
    }
    return `<span class="mention broadcast">@${escapeHtml(special)}</span>`;
  }
  const url = safeUrl(unescapeSlack(target));
  const text = escapeHtml(unescapeSlack(label || target));
  if (!url) {
    return text;
  }
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

const STYLES = [
  [/(^|[\s(>\u2014\u201c~_:])\*(?=\S)([^*\n]*?\S)\*(?=$|[\s.,!?:;)\u201d'<~_-])/g, "b"],
  [/(^|[\s(>\u2014\u201c*~:])_(?=\S)([^_\n]*?\S)_(?=$|[\s.,!?:;)\u201d'<*~-])/g, "i"],
  [/(^|[\s(>\u2014\u201c*_:])~(?=\S)([^~\n]*?\S)~(?=$|[\s.,!?:;)\u201d'<*_-])/g, "s"],
];

/**
 * Slack mrkdwn as HTML. `lookup.user(id)` and `lookup.channel(id)` give names for mentions.
 */
export function mrkdwn(source, lookup) {
  const held = [];
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
  let text = String(source || "");
  // Code first: nothing inside it is formatted.
  text = text.replace(/```([\s\S]*?)```/g, (_, code) =>
    hold(`<pre class="code-block">${escapeHtml(unescapeSlack(code.replace(/^\n/, "")))}</pre>`),
  );
  text = text.replace(/`([^`\n]+)`/g, (_, code) =>
    hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`),
  );
  // Raw < and > only ever delimit links and mentions; literal ones arrive as &lt; and &gt;.
  text = text.replace(/<([^<>\n]+)>/g, (_, inner) => hold(token(inner, lookup)));
  // What is left is text: Slack's escapes back to characters, then HTML's own escapes.
  let html = escapeHtml(unescapeSlack(text));
  const lines = html.split("\n").map((line) => {
    if (line.startsWith("&gt; ") || line === "&gt;") {
      return `\u0001${line.replace(/^&gt; ?/, "")}`;
    }
    return line;
  });
  html = joinQuotes(lines);
  for (const [pattern, tag] of STYLES) {
    html = html.replace(pattern, (_, before, inner) => `${before}<${tag}>${inner}</${tag}>`);
  }
  html = emojify(html);
  return html.replace(/\u0000(\d+)\u0000/g, (_, n) => held[Number(n)]);
}

function joinQuotes(lines) {
  const out = [];
  let quote = null;
  for (const line of lines) {
    if (line.startsWith("\u0001")) {
      quote = quote || [];
      quote.push(line.slice(1));
      continue;
    }
    if (quote) {
      out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
      quote = null;
    }
    out.push(line);
  }
  if (quote) {
    out.push(`<blockquote>${quote.join("<br>")}</blockquote>`);
  }
  return out.join("<br>").replace(/<\/blockquote><br>/g, "</blockquote>");
}

/** A text object (mrkdwn or plain_text) as HTML. */
export function textObject(value, lookup) {
  if (!value) {
    return "";
  }
  if (typeof value === "string") {
    return mrkdwn(value, lookup);
  }
  return value.type === "mrkdwn" ? mrkdwn(value.text, lookup) : plainText(value);
}
