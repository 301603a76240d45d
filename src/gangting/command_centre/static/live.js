// The live stream (/api/v1/live): server-sent events read with fetch, so the bearer token
// goes in a header, never in the URL. On a break it reconnects with Last-Event-ID; the
// server replays what it holds (we drop ids we have seen) or says "reset" (reload).
// The officers' phone page (/m/) uses it too, with its own token and only the kinds it
// needs.

import { token } from "./api.js";

const SEEN_MAX = 5000;

export function connectLive({ onEvent, onReset, onStatus, onAuth, getToken = token, kinds = null }) {
  const url = kinds ? `/api/v1/live?kinds=${encodeURIComponent(kinds.join(","))}` : "/api/v1/live";
  let lastId = null;
  let stopped = false;
  let delay = 1000;
  let controller = null;
  const seen = new Set();
  const order = [];

  function remember(id) {
    if (seen.has(id)) return false;
    seen.add(id);
    order.push(id);
    if (order.length > SEEN_MAX) seen.delete(order.shift());
    return true;
  }

  function dispatch(frame) {
    if (frame.event === "hello") {
      delay = 1000;
      onStatus(true, frame.data);
      return;
    }
    if (frame.event === "reset") return onReset(frame.data);
    if (frame.event === "auth") return onAuth(frame.data);
    if (frame.event === "bye") return;
    if (!frame.id || !frame.data) return;
    lastId = frame.id;
    if (remember(frame.id)) onEvent(frame.data);
  }

  async function run() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = { Authorization: `Bearer ${getToken()}`, Accept: "text/event-stream" };
        if (lastId) headers["Last-Event-ID"] = lastId;
        const resp = await fetch(url, { headers, signal: controller.signal, cache: "no-store" });
        if (resp.status === 401) {
          onAuth({});
          return;
        }
        if (!resp.ok || !resp.body) throw new Error(`live ${resp.status}`);
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const frame = {};
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) frame.event = line.slice(7);
              else if (line.startsWith("id: ")) frame.id = line.slice(4);
              else if (line.startsWith("data: ")) {
                try {
                  frame.data = JSON.parse(line.slice(6));
                } catch (e) {
                  frame.data = null;
                }
              }
            }
            if (frame.event) dispatch(frame);
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      onStatus(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10000);
    }
  }

  run();
  return {
    stop() {
      stopped = true;
      if (controller) controller.abort();
    },
    get lastId() {
      return lastId;
    },
  };
}
