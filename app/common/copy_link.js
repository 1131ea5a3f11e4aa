// Copies the page's address as it is now; the browser-identity parameter is never part of a shared link.
// navigator.clipboard needs a secure context (https or localhost): on a plain-http class server the older
// execCommand copy is tried, and failing that the link is shown selected, for Ctrl+C.
export default function ({ parentElement }) {
  const button = parentElement.querySelector("button");
  const status = parentElement.querySelector(".status");
  const manual = parentElement.querySelector(".manual");
  const box = parentElement.querySelector(".copy-link");  // parentElement may be a shadow root: no dataset
  button.onclick = async () => {
    const url = new URL(window.location.href);
    url.searchParams.delete("visitor");
    const text = url.toString();
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch (e) {
      manual.hidden = false;
      manual.value = text;
      manual.select();
      try { copied = document.execCommand("copy"); } catch (e2) { copied = false; }
    }
    box.dataset.copied = text;
    status.textContent = copied ? "Link copied." : "Copy this link (Ctrl+C):";
    manual.hidden = copied;
    if (!copied) { manual.value = text; manual.select(); }
  };
}
