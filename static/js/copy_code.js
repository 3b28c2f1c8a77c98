// A "Copy" button on every code panel: the step's listing, its diff, and the
// code blocks in the text. It copies the code as text, without the listing's
// line numbers, and says "Copied" where the button is (and to screen readers).
'use strict';

(() => {
  const strings = JSON.parse(document.getElementById('copy-strings').textContent);

  // The code of a panel, as a person would type it: the line numbers are
  // drawn by the highlighter inside the <pre>, so they are left out here.
  function codeOf(pre) {
    const copy = pre.cloneNode(true);
    copy.querySelectorAll('.linenos').forEach((number) => number.remove());
    return copy.textContent;
  }

  function addButton(panel) {
    const pre = panel.querySelector('pre');
    if (!pre || panel.previousElementSibling?.classList.contains('copy-bar')) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy-code';
    button.textContent = strings.copy;
    button.setAttribute('aria-label', strings.label);
    const said = document.createElement('span');
    said.className = 'copy-said';
    said.setAttribute('role', 'status');
    let reset;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(codeOf(pre));
        said.textContent = strings.copied;
        button.dataset.copied = 'true';
      } catch {
        said.textContent = strings.failed;
        button.dataset.copied = 'false';
      }
      clearTimeout(reset);
      reset = setTimeout(() => {
        said.textContent = '';
        delete button.dataset.copied;
      }, 2500);
    });
    // A bar above the panel, outside its scrolling box, so the button never
    // covers code and the listing's rows stay as they are.
    const bar = document.createElement('div');
    bar.className = 'copy-bar';
    bar.append(said, button);
    panel.before(bar);
  }

  // .code: the listing and the diff (Pygments); .codehilite: code in the text.
  document.querySelectorAll('.code, .codehilite').forEach(addButton);
})();
