// Builds elements from data without ever parsing it as HTML: whatever a message or a close
// reason holds, it becomes text.

/** A new `tag` element with `className` and `text` as its text content. */
export function element(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== "") node.textContent = text;
  return node;
}

/** Keeps a scrollable box pinned to its bottom while new entries arrive, unless the reader
 * scrolled up to look at older ones. */
export function appendPinned(scroller, list, item) {
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  list.append(item);
  if (atBottom) scroller.scrollTop = scroller.scrollHeight;
}
