// The translation of the demo's status line, shown beside it on pages in a
// language other than English. The lesson's code keeps its English strings (the
// page runs exactly the code it shows); the server's refusals are translated by
// their error code, which inspector.js announces before the code shows them.
'use strict';

(() => {
  const status = document.getElementById('status');
  const translation = document.getElementById('status-translation');
  const strings = JSON.parse(document.getElementById('status-translations').textContent);
  let lastRefusal = null;

  document.addEventListener('signaling-refusal', (event) => {
    lastRefusal = event.detail;
  });

  function translate() {
    const text = status.textContent.trim();
    const byCode = lastRefusal && text === lastRefusal.message ? strings.refusals[lastRefusal.code] : undefined;
    const translated = byCode ?? strings.lesson[text];
    translation.hidden = !translated;
    translation.querySelector('[data-text]').textContent = translated ?? '';
  }

  new MutationObserver(translate).observe(status, { childList: true, characterData: true, subtree: true });
  translate();
})();
