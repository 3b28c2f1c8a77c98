// The QR code of this room's link, private key included, for a phone to scan.
// The key lives in the URL fragment so that no request carries it: an
// <img src="...?link="> would put it in access logs. So the page sends the link
// in a POST body and inserts the SVG the server draws as DOM (the CSP allows
// images from this app's URLs only, and no inline script). The server answers
// with the link a phone can open: on localhost, its address on the network.
export async function showRoomQr(box, linkText) {
  const response = await fetch(box.dataset.source, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ link: location.pathname + location.search + location.hash }),
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const { link, svg } = await response.json();
  const drawing = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
  box.replaceChildren(document.importNode(drawing, true));
  linkText.textContent = link;
}
