// Block Kit as Slack draws it: header, section (text, fields, accessory), context, divider,
// image, actions and input blocks, with their interactive elements. Blocks are rendered from
// the app's own JSON; every button, select and submission goes back through the emulator as
// the signed request Slack would send.

import { escapeHtml, mrkdwn, plainText, textObject } from "./mrkdwn.js";

/** Create an element: el("div", {class: "x", onclick: fn}, child, "text", …). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "html") {
      node.innerHTML = value;
    } else if (key === "dataset") {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(key, value === true ? "" : value);
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** The block id Slack would report for a block (the sandbox names unnamed ones by position). */
export function blockIdOf(block, index) {
  return block.block_id || `b${index}`;
}

/**
 * Render `blocks` into a container.
 *
 * ctx: {lookup, users, channels, onAction(action), confirm(dialog) -> Promise<bool>,
 *       errors: {block_id: message}, inputs: [] (filled with the modal's inputs)}
 */
export function renderBlocks(blocks, ctx) {
  const root = el("div", { class: "blocks" });
  (blocks || []).forEach((block, index) => {
    const blockId = blockIdOf(block, index);
    const node = renderBlock(block, blockId, ctx);
    if (node) {
      node.dataset.blockId = blockId;
      root.append(node);
    }
  });
  return root;
}

function renderBlock(block, blockId, ctx) {
  switch (block.type) {
    case "header":
      return el("div", { class: "bk-header", html: plainText(block.text) });
    case "section":
      return section(block, blockId, ctx);
    case "context":
      return el(
        "div",
        { class: "bk-context" },
        (block.elements || []).map((item) =>
          item.type === "image"
            ? el("img", { class: "bk-context-image", src: item.image_url, alt: item.alt_text })
            : el("span", { class: "bk-context-text", html: textObject(item, ctx.lookup) }),
        ),
      );
    case "divider":
      return el("hr", { class: "bk-divider" });
    case "image":
      return el(
        "figure",
        { class: "bk-image" },
        block.title ? el("figcaption", { html: plainText(block.title) }) : null,
        el("img", { src: block.image_url || (block.slack_file || {}).url, alt: block.alt_text }),
      );
    case "actions":
      return el(
        "div",
        { class: "bk-actions" },
        (block.elements || []).map((element) => interactive(element, blockId, ctx)),
      );
    case "input":
      return input(block, blockId, ctx);
    case "rich_text":
      return el("div", { class: "bk-rich-text", html: richText(block, ctx) });
    default:
      return el("div", { class: "bk-unknown" }, `[${block.type} block]`);
  }
}

function section(block, blockId, ctx) {
  const body = el("div", { class: "bk-section-body" });
  if (block.text) {
    body.append(el("div", { class: "bk-section-text", html: textObject(block.text, ctx.lookup) }));
  }
  if (block.fields) {
    body.append(
      el(
        "div",
        { class: "bk-fields" },
        block.fields.map((field) =>
          el("div", { class: "bk-field", html: textObject(field, ctx.lookup) }),
        ),
      ),
    );
  }
  const node = el("div", { class: "bk-section" }, body);
  if (block.accessory) {
    const accessory =
      block.accessory.type === "image"
        ? el("img", {
            class: "bk-accessory-image",
            src: block.accessory.image_url,
            alt: block.accessory.alt_text,
          })
        : interactive(block.accessory, blockId, ctx);
    node.append(el("div", { class: "bk-accessory" }, accessory));
  }
  return node;
}

/** Elements that act at once (buttons, selects in messages and the Home tab). */
function interactive(element, blockId, ctx) {
  const act = (value) =>
    ctx.onAction({ block_id: blockId, action_id: element.action_id || "", value, element });
  switch (element.type) {
    case "button": {
      const classes = ["bk-button", element.style || "default"].join(" ");
      const button = el("button", {
        class: classes,
        type: "button",
        html: plainText(element.text),
        dataset: { actionId: element.action_id || "" },
      });
      button.addEventListener("click", async () => {
        if (element.confirm && !(await ctx.confirm(element.confirm))) {
          return;
        }
        if (element.url) {
          window.open(element.url, "_blank", "noopener");
        }
        act(element.value);
      });
      return button;
    }
    case "overflow":
      return overflow(element, act);
    case "static_select":
    case "external_select":
    case "users_select":
    case "conversations_select":
    case "channels_select": {
      const select = selectFor(element, ctx);
      select.classList.add("bk-select");
      select.addEventListener("change", () => act(select.value));
      return select;
    }
    case "datepicker":
    case "timepicker": {
      const picker = el("input", {
        class: "bk-input",
        type: element.type === "datepicker" ? "date" : "time",
        value: element.initial_date || element.initial_time || "",
      });
      picker.addEventListener("change", () => act(picker.value));
      return picker;
    }
    case "image":
      return el("img", { class: "bk-accessory-image", src: element.image_url, alt: element.alt_text });
    default:
      return el("span", { class: "bk-unknown" }, `[${element.type}]`);
  }
}

function overflow(element, act) {
  const menu = el(
    "div",
    { class: "bk-menu", hidden: true },
    (element.options || []).map((option) =>
      el("button", { type: "button", html: plainText(option.text), onclick: () => act(option.value) }),
    ),
  );
  const toggle = el("button", {
    class: "bk-button default overflow",
    type: "button",
    "aria-label": "More options",
    onclick: () => {
      menu.hidden = !menu.hidden;
    },
  }, "⋯");
  return el("span", { class: "bk-overflow" }, toggle, menu);
}

function optionsOf(element) {
  const options = [...(element.options || [])];
  for (const group of element.option_groups || []) {
    options.push(...(group.options || []));
  }
  return options;
}

/** A <select> for static, user and conversation selects (multi ones allow several). */
function selectFor(element, ctx) {
  const multi = element.type.startsWith("multi_");
  const select = el("select", { class: "bk-input", multiple: multi });
  const kind = element.type.replace(/^multi_/, "");
  let choices = [];
  let initial = [];
  if (kind === "static_select" || kind === "external_select") {
    choices = optionsOf(element).map((o) => [o.value, plainText(o.text)]);
    initial = element.initial_options
      ? element.initial_options.map((o) => o.value)
      : element.initial_option
        ? [element.initial_option.value]
        : [];
  } else if (kind === "users_select") {
    choices = ctx.users.map((u) => [u.id, escapeHtml(u.label)]);
    initial = element.initial_users || (element.initial_user ? [element.initial_user] : []);
  } else {
    const include = (element.filter || {}).include;
    choices = ctx.channels
      .filter((c) => !include || include.includes(c.is_private ? "private" : "public"))
      .map((c) => [c.id, `${c.is_private ? "🔒" : "#"} ${escapeHtml(c.name)}`]);
    initial =
      element.initial_conversations ||
      element.initial_channels ||
      (element.initial_conversation || element.initial_channel
        ? [element.initial_conversation || element.initial_channel]
        : []);
  }
  if (!multi) {
    select.append(
      el("option", { value: "", html: plainText(element.placeholder || "Select an item") }),
    );
  }
  for (const [value, html] of choices) {
    select.append(el("option", { value, html, selected: initial.includes(value) }));
  }
  return select;
}

const REQUIRED = "Please complete this required field.";

/** An input block: label, element, hint, and its inline error. */
function input(block, blockId, ctx) {
  const element = block.element || {};
  const id = `in-${blockId}`;
  const field = inputElement(element, id, ctx);
  const error = (ctx.errors || {})[blockId];
  const node = el(
    "div",
    { class: `bk-input-block${error ? " has-error" : ""}` },
    el(
      "label",
      { class: "bk-label", for: id },
      el("span", { html: plainText(block.label) }),
      block.optional ? el("span", { class: "optional" }, " (optional)") : null,
    ),
    field.node,
    block.hint ? el("div", { class: "bk-hint", html: plainText(block.hint) }) : null,
    el("div", { class: "bk-error", role: "alert" }, error || ""),
  );
  if (ctx.inputs) {
    ctx.inputs.push({
      blockId,
      actionId: element.action_id || "",
      value: field.value,
      check: () => {
        const value = field.value();
        const empty = value === null || value === "" || (Array.isArray(value) && !value.length);
        if (empty) {
          return block.optional ? null : REQUIRED;
        }
        return field.check ? field.check(value) : null;
      },
      showError: (message) => {
        node.classList.toggle("has-error", Boolean(message));
        node.querySelector(".bk-error").textContent = message || "";
      },
    });
  }
  return node;
}

/** The form control for one input element: {node, value(), check(value)?}. */
function inputElement(element, id, ctx) {
  const placeholder = element.placeholder ? element.placeholder.text : "";
  switch (element.type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input": {
      const tag = element.multiline ? "textarea" : "input";
      const control = el(tag, {
        id,
        class: "bk-input",
        placeholder,
        maxlength: element.max_length,
        type: tag === "input" ? { email_text_input: "email", url_text_input: "url" }[element.type] || "text" : undefined,
        rows: element.multiline ? 3 : undefined,
      });
      control.value = element.initial_value || "";
      return {
        node: control,
        value: () => control.value,
        check: (value) =>
          element.min_length && value.length < element.min_length
            ? `Must be at least ${element.min_length} characters.`
            : null,
      };
    }
    case "number_input": {
      const control = el("input", {
        id,
        class: "bk-input",
        type: "text",
        inputmode: element.is_decimal_allowed ? "decimal" : "numeric",
        placeholder,
      });
      control.value = element.initial_value || "";
      return {
        node: control,
        value: () => control.value.trim(),
        check: (value) => {
          const pattern = element.is_decimal_allowed ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/;
          if (!pattern.test(value)) {
            return element.is_decimal_allowed ? "Please enter a number." : "Please enter a whole number.";
          }
          const number = Number(value);
          if (element.min_value !== undefined && number < Number(element.min_value)) {
            return `Please enter a number ${element.min_value} or greater.`;
          }
          if (element.max_value !== undefined && number > Number(element.max_value)) {
            return `Please enter a number ${element.max_value} or smaller.`;
          }
          return null;
        },
      };
    }
    case "radio_buttons":
    case "checkboxes": {
      const type = element.type === "radio_buttons" ? "radio" : "checkbox";
      const initial = element.initial_options
        ? element.initial_options.map((o) => o.value)
        : element.initial_option
          ? [element.initial_option.value]
          : [];
      const group = el(
        "div",
        { class: `bk-choices ${type}`, id, role: type === "radio" ? "radiogroup" : "group" },
        (element.options || []).map((option) =>
          el(
            "label",
            { class: "bk-choice" },
            el("input", { type, name: id, value: option.value, checked: initial.includes(option.value) }),
            el(
              "span",
              { class: "bk-choice-text" },
              el("span", { html: textObject(option.text, ctx.lookup) }),
              option.description
                ? el("span", { class: "bk-choice-description", html: textObject(option.description, ctx.lookup) })
                : null,
            ),
          ),
        ),
      );
      const checked = () =>
        [...group.querySelectorAll("input")].filter((i) => i.checked).map((i) => i.value);
      return {
        node: group,
        value: () => (type === "radio" ? checked()[0] || null : checked()),
      };
    }
    case "datepicker":
    case "timepicker": {
      const control = el("input", {
        id,
        class: "bk-input",
        type: element.type === "datepicker" ? "date" : "time",
      });
      control.value = element.initial_date || element.initial_time || "";
      return { node: control, value: () => control.value || null };
    }
    case "static_select":
    case "external_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
    case "multi_static_select":
    case "multi_users_select":
    case "multi_conversations_select":
    case "multi_channels_select": {
      const control = selectFor(element, ctx);
      control.id = id;
      return {
        node: control,
        value: () =>
          control.multiple
            ? [...control.selectedOptions].map((o) => o.value)
            : control.value || null,
      };
    }
    default:
      return { node: el("div", { class: "bk-unknown" }, `[${element.type}]`), value: () => null };
  }
}

/** rich_text blocks (what members' own messages carry) as HTML. */
function richText(block, ctx) {
  const inline = (elements) =>
    (elements || [])
      .map((item) => {
        if (item.type === "text") {
          let html = escapeHtml(item.text);
          const style = item.style || {};
          if (style.code) html = `<code>${html}</code>`;
          if (style.bold) html = `<b>${html}</b>`;
          if (style.italic) html = `<i>${html}</i>`;
          if (style.strike) html = `<s>${html}</s>`;
          return html.replace(/\n/g, "<br>");
        }
        if (item.type === "link") return mrkdwn(`<${item.url}|${item.text || item.url}>`, ctx.lookup);
        if (item.type === "user") return mrkdwn(`<@${item.user_id}>`, ctx.lookup);
        if (item.type === "channel") return mrkdwn(`<#${item.channel_id}>`, ctx.lookup);
        if (item.type === "emoji") return mrkdwn(`:${item.name}:`, ctx.lookup);
        return "";
      })
      .join("");
  return (block.elements || [])
    .map((part) => {
      if (part.type === "rich_text_section") return inline(part.elements);
      if (part.type === "rich_text_quote") return `<blockquote>${inline(part.elements)}</blockquote>`;
      if (part.type === "rich_text_preformatted") return `<pre class="code-block">${inline(part.elements)}</pre>`;
      if (part.type === "rich_text_list") {
        const tag = part.style === "ordered" ? "ol" : "ul";
        return `<${tag}>${(part.elements || []).map((i) => `<li>${inline(i.elements)}</li>`).join("")}</${tag}>`;
      }
      return "";
    })
    .join("");
}
