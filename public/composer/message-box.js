// @ts-check
/**
 * The message box fitted to the device: its hint speaks of Enter and Shift+Enter only where
 * there is a keyboard to press them on (on a touch screen it is just "Message", which fits a
 * phone's one line), and it grows with what is typed, up to the height the style sheet allows,
 * then scrolls. The style sheet's `field-sizing: content` does the growing; a browser without it
 * is given the height here.
 */

const TOUCH_HINT = "Message";

/** @param {HTMLTextAreaElement} box */
export function fitMessageBox(box) {
  const keyboardHint = box.placeholder;
  const touch = matchMedia("(pointer: coarse)");
  const hint = () => {
    // A closed box says why instead (room/room-rules.js), and puts this back when it opens.
    if (!box.disabled) box.placeholder = touch.matches ? TOUCH_HINT : keyboardHint;
  };
  hint();
  touch.addEventListener("change", hint);

  if (CSS.supports("field-sizing", "content")) return;
  const grow = () => {
    box.style.height = "auto";
    // The style sheet's max-height caps it; beyond that it scrolls.
    box.style.height = `${box.scrollHeight + box.offsetHeight - box.clientHeight}px`;
  };
  box.addEventListener("input", grow);
  // The page empties the box when a message is sent, which fires no input event.
  box.form?.addEventListener("submit", () => setTimeout(grow));
}
