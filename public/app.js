// Progressive enhancement for Verilab pages: copy buttons on code blocks. Everything works without it.
(function () {
  'use strict';
  document.querySelectorAll('.code-block').forEach(function (block) {
    var button = block.querySelector('.copy-button');
    var code = block.querySelector('code');
    if (!button || !code || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      navigator.clipboard.writeText(code.textContent || '').then(function () {
        button.textContent = 'Copied';
        setTimeout(function () { button.textContent = 'Copy'; }, 1500);
      }, function () {
        button.textContent = 'Press Ctrl+C';
      });
    });
  });
})();
